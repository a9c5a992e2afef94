/**
 * The ses-events function: EventBridge delivers the events SES publishes for signoff's
 * configuration set (bounces, complaints, rejections, delays; infra's rule picks them), and each
 * one about an approval's mail is recorded on that approval: `emailProblems` and its audit trail,
 * once per event however often it is delivered. It runs on the store alone: no mail, no keyring.
 */
import {
  type EmailProblemKind,
  log,
  type RecordEmailProblemResult,
  recordEmailProblem,
} from "@signoff/core";
import { readSesEvent, type SesEmailEvent } from "../email-events/read-ses-event.ts";
import { publishingMetrics } from "../metrics.ts";
import { createStoreRuntimeFromEnv, type StoreRuntime } from "../store-runtime.ts";

export {
  type SesEmailEvent,
  type SesEventDetail,
  SesProblemEvent,
} from "../email-events/read-ses-event.ts";

export type SesEventsResponse =
  | ({ approvalId: string; eventId: string; kind: EmailProblemKind } & RecordEmailProblemResult)
  /** Not an email problem, not an approval's mail, or missing what it takes to record one. */
  | { ignored: true; reason: "not-a-problem" | "not-ours" | "malformed" };

/** Builds the handler around a runtime; what an invocation records is published as it ends. */
export function createSesEventsHandler(runtime: Pick<StoreRuntime, "deps" | "metrics">) {
  return (event: SesEmailEvent): Promise<SesEventsResponse> =>
    publishingMetrics(runtime.metrics, async () => {
      const reading = readSesEvent(event);
      if (!reading.ok) {
        log(runtime.deps, "info", "SES event ignored", { reason: reading.reason });
        return { ignored: true, reason: reading.reason };
      }
      const { approvalId, eventId, kind } = reading.report;
      const result = await recordEmailProblem(runtime.deps, reading.report);
      return { approvalId, eventId, kind, ...result };
    });
}

let runtime: StoreRuntime | undefined;

/** The Lambda entry point; the runtime is built from the environment on first use. */
export async function handler(event: SesEmailEvent): Promise<SesEventsResponse> {
  runtime ??= createStoreRuntimeFromEnv();
  return createSesEventsHandler(runtime)(event);
}
