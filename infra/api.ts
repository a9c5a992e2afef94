// API Gateway v2 HTTP API serving the Hono app: approval pages and the REST API.
//
// Its `$default` route is added in functions.ts, next to the API function. The order matters: the
// gateway's URL (which does not depend on its routes) is the public base URL every function's
// links point at, so the gateway exists before the functions and the route closes the loop.
import { readCorsOrigins } from "./stage-settings.ts";

const corsOrigins = readCorsOrigins(process.env);

/**
 * The stage's access log line. SST's default records `$context.path`, and the path of `/a/{link}`
 * is the link itself, a credential; so only fields that carry none: the route key (`$default`),
 * status, latency, the request id to find the function's own log lines, and when.
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLatency: "$context.responseLatency",
  integrationStatus: "$context.integration.status",
  integrationLatency: "$context.integration.latency",
  integrationError: "$context.integrationErrorMessage",
});

export const api = new sst.aws.ApiGatewayV2("Api", {
  // The pages and the API need no CORS; a dashboard on another origin is allowed by name only.
  cors:
    corsOrigins.length === 0
      ? false
      : {
          allowOrigins: corsOrigins,
          allowMethods: ["GET", "POST"],
          allowHeaders: ["authorization", "content-type"],
          allowCredentials: false,
          maxAge: "1 hour",
        },
  accessLog: { retention: "1 month" },
  transform: {
    stage: (args) => {
      args.accessLogSettings = $output(args.accessLogSettings).apply((settings) => ({
        destinationArn: settings?.destinationArn as string,
        format: ACCESS_LOG_FORMAT,
      }));
    },
  },
});
