import "./promise-with-resolvers.ts";

export { startSfnLocal } from "./server.ts";
export type {
  ExecutionStatus,
  ExecutionStatusChangeEvent,
  LocalFunction,
  SfnFaultKind,
  SfnLocal,
  SfnLocalFaults,
  SfnLocalLog,
  SfnLocalOptions,
} from "./types.ts";
