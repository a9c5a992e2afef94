export { createApiRoutes } from "./api-routes.ts";
export type { ApiEnv, Caller } from "./bearer-auth.ts";
export { authNotConfigured, type CallerVerifier, createCallerVerifier } from "./bearer-auth.ts";
