/**
 * Faults no emulator produces on demand, injected at the port around the real adapter: SES
 * refusing one recipient, and a Step Functions callback that is throttled, throws, or gets
 * through but loses its response. Everything not faulted goes to the real adapter.
 */
import type { Mailer, TaskCallback, TaskCallbackResult } from "@signoff/core";
import { EmailSendError } from "../adapters/errors.ts";

/** Sends through `mailer`, except that SES throttles whoever is in `failFor` at the time. */
export function failMailTo(mailer: Mailer, failFor: ReadonlySet<string>): Mailer {
  return {
    async sendApprovalEmail(email) {
      if (failFor.has(email.to)) throw new EmailSendError("TooManyRequestsException", true);
      await mailer.sendApprovalEmail(email);
    },
  };
}

export type CallbackFault =
  /** Step Functions throttles the call; nothing is delivered. */
  | "throttled"
  /** Something the adapter did not foresee throws, quoting the token; nothing is delivered. */
  | "throws"
  /** The call reaches Step Functions, but the connection drops before its answer arrives. */
  | "response-lost";

export interface FaultyCallback {
  callback: TaskCallback;
  /** The token handed to every call, faulted or not, in order. */
  tokens: string[];
}

/** Wraps `callback` so that call n suffers `faults[n]`; calls past the script go straight through. */
export function injectCallbackFaults(
  callback: TaskCallback,
  faults: readonly CallbackFault[],
): FaultyCallback {
  const script = [...faults];
  const tokens: string[] = [];
  async function call(
    token: string,
    send: () => Promise<TaskCallbackResult>,
  ): Promise<TaskCallbackResult> {
    tokens.push(token);
    switch (script.shift()) {
      case undefined:
        return send();
      case "throttled":
        return retryable("ThrottlingException");
      case "throws":
        // An HTTP layer that quotes the request in its message, to prove the token goes no further.
        throw new Error(`socket hang up while sending ${token}`);
      case "response-lost": {
        const delivered = await send();
        if (!delivered.ok)
          throw new Error(`the injected fault expected a delivery: ${delivered.reason}`);
        return retryable("ECONNRESET");
      }
    }
  }
  return {
    tokens,
    callback: {
      sendSuccess: (token, output) => call(token, () => callback.sendSuccess(token, output)),
      sendFailure: (token, error, cause) =>
        call(token, () => callback.sendFailure(token, error, cause)),
      sendHeartbeat: (token) => call(token, () => callback.sendHeartbeat(token)),
    },
  };
}

// What createSfnTaskCallback returns for a temporary failure.
function retryable(awsError: string): TaskCallbackResult {
  return { ok: false, reason: "retryable", message: `${awsError}: injected temporary failure` };
}
