export { createInboxRoutes, INBOX_PAGE_SIZE } from "./inbox-routes.ts";
export { SESSION_COOKIE, SESSION_PATH } from "./inbox-session.ts";
