import "./promise-with-resolvers.ts";

export { startSfnLocal } from "./server.ts";
export type {
  ExecutionStatus,
  ExecutionStatusChangeEvent,
  LocalFunction,
  SfnLocal,
  SfnLocalLog,
  SfnLocalOptions,
} from "./types.ts";
