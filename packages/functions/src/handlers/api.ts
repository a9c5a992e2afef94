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
  if (serve === undefined) {
    const runtime = createRuntimeFromEnv();
    serve = handle(
      createApp(runtime.deps, {
        ...(runtime.config.apiAuth && { apiAuth: runtime.config.apiAuth }),
      }),
    );
  }
  return serve(event, context);
};
