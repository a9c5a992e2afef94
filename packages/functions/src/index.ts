export * from "./adapters/index.ts";
export * from "./config.ts";
export {
  type CancelResponse,
  createCancelHandler,
  EXECUTION_STATUS_CHANGE,
  type ExecutionStatusChangeDetail,
  type ExecutionStatusChangeEvent,
} from "./handlers/cancel.ts";
export {
  createRequestApprovalHandler,
  type RequestApprovalResponse,
} from "./handlers/request-approval.ts";
export { createSweeper, SWEEP_LIMIT } from "./handlers/sweeper.ts";
export { createApp } from "./http/app.ts";
export * from "./logger.ts";
export * from "./request/parse-request.ts";
export * from "./runtime.ts";
