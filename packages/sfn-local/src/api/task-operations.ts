import { tryParseJson } from "../json.ts";
import type { TaskCallbacks } from "../runtime/task-tokens.ts";
import { ApiErrorCode, SfnApiError } from "./api-error.ts";
import type { Backend } from "./backend.ts";
import { checkLength, optionalString, type RequestBody, requireString } from "./request-fields.ts";

// Checked in the order AWS answers: shape of the token, whether it was ever issued, whether
// its task is still waiting.
function openTask(backend: Backend, body: RequestBody): TaskCallbacks {
  const token = requireString(body, "taskToken");
  checkLength("taskToken", token, 1, 2048);
  const found = backend.services.tokens.lookup(token);
  switch (found.kind) {
    case "malformed":
      throw new SfnApiError(ApiErrorCode.InvalidToken, "Invalid token");
    case "unknown":
      throw new SfnApiError(ApiErrorCode.TaskDoesNotExist, "Task Does Not Exist");
    case "closed":
      throw new SfnApiError(ApiErrorCode.TaskTimedOut, "Task Timed Out");
    case "open":
      return found.callbacks;
  }
}

/** SendTaskSuccess: completes a waiting task with JSON output. */
export function sendTaskSuccess(backend: Backend, body: RequestBody) {
  const task = openTask(backend, body);
  const outputText = requireString(body, "output");
  checkLength("output", outputText, 0, 262_144);
  const output = tryParseJson(outputText);
  if (!output) {
    throw new SfnApiError(
      ApiErrorCode.InvalidOutput,
      "Invalid Output: 'the output must be a JSON text'",
    );
  }
  task.succeed(output.value, outputText);
  return {};
}

/** SendTaskFailure: fails a waiting task with an error and cause the state can Retry or Catch. */
export function sendTaskFailure(backend: Backend, body: RequestBody) {
  const task = openTask(backend, body);
  const error = optionalString(body, "error");
  const cause = optionalString(body, "cause");
  if (error !== undefined) checkLength("error", error, 0, 256);
  if (cause !== undefined) checkLength("cause", cause, 0, 32_768);
  task.fail(error, cause);
  return {};
}

/** SendTaskHeartbeat: restarts a waiting task's HeartbeatSeconds clock. */
export function sendTaskHeartbeat(backend: Backend, body: RequestBody) {
  openTask(backend, body).heartbeat();
  return {};
}
