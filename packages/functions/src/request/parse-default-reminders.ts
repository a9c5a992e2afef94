/**
 * `SIGNOFF_DEFAULT_REMINDERS`: the reminders a request gets when it does not say, as the same JSON
 * a request's `reminders` field takes, e.g. `{"at":[0.5,0.9]}` or `{"everySeconds":86400}`.
 */
import type { ReminderPlan } from "@signoff/core";
import * as z from "zod/mini";
import { reportIssue } from "../report-issue.ts";
import { RemindersField } from "./request-schema.ts";

/**
 * A zod/mini transform for config.ts: unset or blank is no default; anything else must parse as a
 * `reminders` value. Problems are reported without echoing the value.
 */
export function parseDefaultReminders(
  value: string | undefined,
  ctx: z.core.ParsePayload,
): ReminderPlan | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    reportIssue(ctx, 'must be JSON, e.g. {"at":[0.5,0.9]}');
    return z.NEVER;
  }
  const parsed = RemindersField.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length === 0 ? "" : `${issue.path.join(".")}: `;
    reportIssue(ctx, `${where}${issue.message}`);
    return z.NEVER;
  }
  return parsed.data;
}
