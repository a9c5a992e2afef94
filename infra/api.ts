// API Gateway v2 HTTP API serving the Hono app: approval pages and the REST API.
//
// Its `$default` route is added in functions.ts, next to the API function. The order matters: the
// gateway's URL (which does not depend on its routes) is the public base URL every function's
// links point at, so the gateway exists before the functions and the route closes the loop.
export const api = new sst.aws.ApiGatewayV2("Api");
