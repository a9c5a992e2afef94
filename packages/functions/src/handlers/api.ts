/**
 * The HTTP API's Lambda entry point: the Hono app behind API Gateway v2, through
 * `hono/aws-lambda`. The app is built from the environment on the first request; what the
 * request's flows recorded is published as metrics before the response returns.
 */
import { handle } from "hono/aws-lambda";
import { createApp } from "../http/app.ts";
import { publishingMetrics } from "../metrics.ts";
import { appOptionsFor, createRuntimeFromEnv, type Runtime } from "../runtime.ts";

type LambdaHandler = ReturnType<typeof handle>;

/** Builds the entry point around a runtime. */
export function createApiHandler(runtime: Runtime): LambdaHandler {
  const serve = handle(createApp(runtime.deps, appOptionsFor(runtime)));
  return (event, context) => publishingMetrics(runtime.metrics, () => serve(event, context));
}

let serve: LambdaHandler | undefined;

export const handler: LambdaHandler = (event, context) => {
  serve ??= createApiHandler(createRuntimeFromEnv());
  return serve(event, context);
};
