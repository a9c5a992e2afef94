export { createApiRoutes } from "./api-routes.ts";
export type { ApiEnv, Caller } from "./bearer-auth.ts";
