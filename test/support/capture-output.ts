/**
 * Captures what the process logs: writes to stdout and stderr (the Powertools logger writes its
 * JSON lines there, through its own Console) and calls to the global `console` (which vitest
 * routes around those streams, so a stray `console.log` would otherwise go unseen). Tests search
 * the capture, for the task token say; set SIGNOFF_E2E_LOGS=1 to see the lines as well.
 */
import { format } from "node:util";

type Write = typeof process.stdout.write;

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug", "trace"] as const;

/** Starts capturing into `lines`; the returned function stops and restores everything. */
export function captureOutput(lines: string[]): () => void {
  const forward = process.env.SIGNOFF_E2E_LOGS === "1";
  const restores: Array<() => void> = [];

  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      if (forward)
        return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      // Swallowed, but the writer's callback still runs, as it would after a real write.
      const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as Write;
    restores.push(() => {
      stream.write = original;
    });
  }

  for (const method of CONSOLE_METHODS) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      lines.push(`${format(...args)}\n`);
      if (forward) original.apply(console, args);
    };
    restores.push(() => {
      console[method] = original;
    });
  }

  return () => {
    for (const restore of restores.reverse()) restore();
  };
}
