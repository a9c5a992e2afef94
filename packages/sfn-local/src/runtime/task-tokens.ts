import { randomBytes } from "node:crypto";

const HEADER = Buffer.from([0x01, 0x53, 0x46]);
const TOKEN_BYTES = 192;
const TOKEN_PATTERN = /^[A-Za-z0-9+/]{256}$/;

/**
 * A fresh task token: 189 random bytes behind a 3-byte header, base64 encoded (256 characters,
 * far below AWS's 2,048 limit). Unguessable, and opaque like AWS's.
 */
export function createTaskToken(): string {
  return Buffer.concat([HEADER, randomBytes(TOKEN_BYTES - HEADER.length)]).toString("base64");
}

/** True when a string has the shape of a token sfn-local issues. */
export function isWellFormedTaskToken(token: string): boolean {
  if (!TOKEN_PATTERN.test(token)) return false;
  return Buffer.from(token, "base64").subarray(0, HEADER.length).equals(HEADER);
}

/** What a waiting task does when its token is used. */
export interface TaskCallbacks {
  succeed(output: unknown, outputText: string): void;
  fail(error: string | undefined, cause: string | undefined): void;
  heartbeat(): void;
}

interface TokenEntry {
  open: boolean;
  callbacks: TaskCallbacks;
}

/** The outcome of looking a token up, in the order AWS checks. */
export type TokenLookup =
  | { kind: "malformed" }
  | { kind: "unknown" }
  | { kind: "closed" }
  | { kind: "open"; callbacks: TaskCallbacks };

/**
 * Every task token issued by this server. Closed tokens are kept so that a late
 * SendTaskSuccess answers TaskTimedOut (as AWS does) rather than TaskDoesNotExist.
 */
export class TaskTokens {
  private readonly entries = new Map<string, TokenEntry>();

  /** Makes a token usable by SendTask* calls. */
  open(token: string, callbacks: TaskCallbacks): void {
    this.entries.set(token, { open: true, callbacks });
  }

  /** Marks a token's task as finished; later SendTask* calls answer TaskTimedOut. */
  close(token: string): void {
    const entry = this.entries.get(token);
    if (entry) entry.open = false;
  }

  /** Looks a token up. */
  lookup(token: string): TokenLookup {
    if (!isWellFormedTaskToken(token)) return { kind: "malformed" };
    const entry = this.entries.get(token);
    if (!entry) return { kind: "unknown" };
    return entry.open ? { kind: "open", callbacks: entry.callbacks } : { kind: "closed" };
  }
}
