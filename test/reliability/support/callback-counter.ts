/**
 * Counts SendTaskSuccess / SendTaskFailure per approval at signoff's TaskCallback port: a thin
 * wrapper around the real adapter (every call still goes to sfn-local), installed on the running
 * stack's flow dependencies, which the API and the sweeper read on every call. History alone
 * cannot show a second send: sfn-local answers it TaskTimedOut and records nothing.
 */
import type { TaskCallback } from "@signoff/core";
import type { SignoffStack } from "../../support/signoff-stack.ts";

export interface CallbackCounter {
  /** SendTask* calls made for the approval (heartbeats are not counted). */
  callsFor(approvalId: string): number;
  /** Calls for tokens request-approval never saw (should stay 0). */
  unknown(): number;
  /** Puts the original adapter back. */
  restore(): void;
}

/** Wraps the stack's TaskCallback with a counter. */
export function countCallbacks(signoff: SignoffStack): CallbackCounter {
  const deps = signoff.runtime().deps;
  const real = deps.callback;
  const counts = new Map<string, number>();
  let unknown = 0;
  // Keyed by token only inside this closure; nothing here ever prints a token.
  const idOf = (token: string) =>
    signoff.requests.find((r) => r.token === token && r.result)?.result?.approvalId;
  const count = (token: string) => {
    const id = idOf(token);
    if (id === undefined) unknown += 1;
    else counts.set(id, (counts.get(id) ?? 0) + 1);
  };
  const counting: TaskCallback = {
    sendSuccess(token, output) {
      count(token);
      return real.sendSuccess(token, output);
    },
    sendFailure(token, error, cause) {
      count(token);
      return real.sendFailure(token, error, cause);
    },
    sendHeartbeat: (token) => real.sendHeartbeat(token),
  };
  deps.callback = counting;
  return {
    callsFor: (approvalId) => counts.get(approvalId) ?? 0,
    unknown: () => unknown,
    restore() {
      deps.callback = real;
    },
  };
}
