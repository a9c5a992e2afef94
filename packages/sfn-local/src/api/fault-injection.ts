/**
 * Faults on demand, for testing clients against a Step Functions that misbehaves as the real one
 * sometimes does: it throttles, it fails with a 5xx, the connection drops before the call takes
 * effect, or (the case that matters most to an exactly-once sender) the call takes effect and
 * the connection drops before its answer arrives.
 */
import type { ServerResponse } from "node:http";
import type { SfnFaultKind, SfnLocalFaults } from "../types.ts";
import { operations } from "./operations.ts";

/** Every kind, in the order the README lists them. */
export const FAULT_KINDS: readonly SfnFaultKind[] = ["throttling", "5xx", "reset", "lost-response"];

/** What a fault is applied to unless `operations` says otherwise: the task callbacks. */
export const DEFAULT_FAULT_OPERATIONS: readonly string[] = ["SendTaskSuccess", "SendTaskFailure"];

/** Throws, naming the field, when `faults` cannot be applied; called once at start. */
export function validateFaults(faults: SfnLocalFaults): void {
  const { probability, kinds, operations: names } = faults;
  if (typeof probability !== "number" || !(probability >= 0 && probability <= 1)) {
    throw new Error("sfn-local: faults.probability must be a number from 0 to 1");
  }
  if (kinds !== undefined) {
    if (kinds.length === 0) throw new Error("sfn-local: faults.kinds must not be empty");
    const unknown = kinds.find((kind) => !FAULT_KINDS.includes(kind));
    if (unknown !== undefined) {
      throw new Error(
        `sfn-local: faults.kinds has "${unknown}"; the kinds are ${FAULT_KINDS.join(", ")}`,
      );
    }
  }
  const unknownOperation = names?.find((name) => !Object.hasOwn(operations, name));
  if (unknownOperation !== undefined) {
    throw new Error(`sfn-local: faults.operations has "${unknownOperation}", not an operation`);
  }
}

/**
 * The fault this request suffers, if any. Reads `faults` afresh on every request, so a test can
 * change the probability (say, to 0) while the server runs.
 */
export function pickFault(
  faults: SfnLocalFaults | undefined,
  operation: string,
): SfnFaultKind | undefined {
  if (faults === undefined || faults.probability <= 0) return undefined;
  if (!(faults.operations ?? DEFAULT_FAULT_OPERATIONS).includes(operation)) return undefined;
  const random = faults.random ?? Math.random;
  if (random() >= faults.probability) return undefined;
  const kinds = faults.kinds ?? FAULT_KINDS;
  return kinds[Math.min(kinds.length - 1, Math.floor(random() * kinds.length))];
}

/** Whether the operation runs before the fault: only a lost response lets it take effect. */
export function runsBeforeFault(kind: SfnFaultKind): boolean {
  return kind === "lost-response";
}

/** Answers with the fault instead of the operation's result. */
export function answerWithFault(
  response: ServerResponse,
  kind: SfnFaultKind,
  send: (status: number, body: unknown) => void,
  random: () => number,
): void {
  switch (kind) {
    case "throttling":
      // As AWS throttles: HTTP 400 with the exception's name, which the SDK retries.
      send(400, { __type: "ThrottlingException", message: "Rate exceeded" });
      break;
    case "5xx":
      if (random() < 0.5) {
        send(500, { __type: "InternalServerError", message: "sfn-local: injected fault" });
      } else {
        send(503, { __type: "ServiceUnavailable", message: "sfn-local: injected fault" });
      }
      break;
    case "reset":
    case "lost-response":
      // No status line at all: the client sees the connection reset (ECONNRESET).
      response.socket?.resetAndDestroy();
      response.destroy();
      break;
  }
}
