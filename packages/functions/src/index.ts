export * from "./adapters/index.ts";
export * from "./cancel-runtime.ts";
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
export {
  createSesEventsHandler,
  type SesEmailEvent,
  type SesEventDetail,
  type SesEventsResponse,
  SesProblemEvent,
} from "./handlers/ses-events.ts";
export {
  createSweeper,
  SWEEP_LIMIT,
  SWEEP_SAFETY_MARGIN_MS,
  type SweepContext,
} from "./handlers/sweeper.ts";
export { createApp } from "./http/app.ts";
export * from "./logger.ts";
export * from "./metrics.ts";
export * from "./request/parse-request.ts";
export * from "./runtime.ts";
export {
  escapeMrkdwn,
  parseButtonValue,
  renderApprovalMessage,
  SLACK_ACTIONS_BLOCK,
  SlackActionId,
  type SlackButtonValue,
} from "./slack/slack-blocks.ts";
export { createSlackApi, type SlackApi } from "./slack/slack-messenger.ts";
export { SLACK_MODAL_CALLBACK } from "./slack/slack-modal.ts";
export type { SlackInteractions } from "./slack/slack-routes.ts";
export {
  SLACK_MAX_SKEW_SECONDS,
  signSlackRequest,
  verifySlackSignature,
} from "./slack/slack-signature.ts";
export { DEFAULT_SLACK_API_URL, type SlackConfig, SlackVariable } from "./slack-config.ts";
export * from "./store-runtime.ts";
export * from "./webhooks/webhook-config.ts";
export * from "./webhooks/webhook-sender.ts";
