export * from "./decide.ts";
export * from "./decide-by-link.ts";
export * from "./deliver-callback.ts";
export * from "./flow-deps.ts";
export * from "./request-approval.ts";
export * from "./settle.ts";
export * from "./sweep-due.ts";
export * from "./view-approval.ts";
