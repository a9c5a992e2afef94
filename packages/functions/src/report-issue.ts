/**
 * Custom issues from zod/mini transforms. A zod/mini transform's context is the bare parse payload,
 * without the `addIssue` zod's adds; pushing the same issue onto it has the same effect.
 */
import type * as z from "zod/mini";

/** Records a custom issue with `message` on the value being transformed. */
export function reportIssue(ctx: z.core.ParsePayload, message: string): void {
  ctx.issues.push({ code: "custom", message, input: ctx.value });
}
