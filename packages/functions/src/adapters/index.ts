export * from "./clients.ts";
export * from "./create-table-input.ts";
export * from "./dynamo-approval-store.ts";
export * from "./errors.ts";
export * from "./ses-mailer.ts";
export * from "./ses-tags.ts";
export * from "./sfn-task-callback.ts";
