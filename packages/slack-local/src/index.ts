export * from "./contract.ts";
export * from "./interactions.ts";
export * from "./methods.ts";
export * from "./signature.ts";
export * from "./stand-in.ts";
export type * from "./store.ts";
export * from "./workspace.ts";
