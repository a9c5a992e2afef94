export * from "./approval.ts";
export * from "./audit.ts";
export * from "./ports.ts";
export * from "./table-schema.ts";
