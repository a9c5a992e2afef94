/**
 * The HTTP API's Lambda entry point: the Hono app behind API Gateway v2, through
 * `hono/aws-lambda`. The app is built from the environment on the first request.
 */
import { handle } from "hono/aws-lambda";
import { createApp } from "../http/app.ts";
import { createRuntimeFromEnv } from "../runtime.ts";

type LambdaHandler = ReturnType<typeof handle>;

let serve: LambdaHandler | undefined;

export const handler: LambdaHandler = (event, context) => {
  serve ??= handle(createApp(createRuntimeFromEnv().deps));
  return serve(event, context);
};
