import type { WaitState } from "../definition/compiled-types.ts";
import { isJsonObject, type JsonValue } from "../json.ts";
import type { Attempt } from "./attempt.ts";
import { setLongTimeout } from "./long-timer.ts";
import { runtimeError } from "./state-errors.ts";
import type { StateHost } from "./state-host.ts";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function delayUntil(timestamp: string): number {
  return Date.parse(timestamp) - Date.now();
}

/**
 * Sleeps for a Wait state and then passes its input on. sfn-local sleeps itself because the
 * library's sleep is a single setTimeout, which fires at once for waits above about 24.8 days.
 */
export function startWait(
  _host: StateHost,
  attempt: Attempt,
  state: WaitState,
  input: JsonValue,
): void {
  let output = input;
  let delayMs = 0;
  if (state.seconds !== undefined) {
    delayMs = state.seconds * 1000;
  } else if (state.timestamp !== undefined) {
    delayMs = delayUntil(state.timestamp);
  } else if (isJsonObject(input)) {
    output = input.input ?? null;
    if ("seconds" in input) {
      const seconds = input.seconds;
      if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0) {
        attempt.reject(
          runtimeError(`SecondsPath of state "${state.name}" must point to a non-negative integer`),
        );
        return;
      }
      delayMs = seconds * 1000;
    } else {
      const timestamp = input.timestamp;
      if (typeof timestamp !== "string" || !RFC3339.test(timestamp)) {
        attempt.reject(
          runtimeError(
            `TimestampPath of state "${state.name}" must point to an RFC 3339 timestamp`,
          ),
        );
        return;
      }
      delayMs = delayUntil(timestamp);
    }
  }
  const timer = setLongTimeout(() => attempt.resolve(output), Math.max(0, delayMs));
  attempt.onEnd(() => timer.clear());
}
