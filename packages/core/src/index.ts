export * from "./table-schema.ts";
