/**
 * Interleavings on demand: wraps the real ApprovalStore so a test can hold any call before or
 * after it reaches DynamoDB (a barrier, a turn, a random delay). Production code has no sleeps
 * or hooks; the order of two racing requests is set here, around the port.
 */
import type { ApprovalStore } from "@signoff/core";

export type StoreMethod = keyof ApprovalStore;

export interface StoreHooks {
  /** Awaited before `method` is called with `args`. */
  before?(method: StoreMethod, args: readonly unknown[]): void | Promise<void>;
  /** Awaited after `method` returned `result`, before the caller sees it. */
  after?(method: StoreMethod, args: readonly unknown[], result: unknown): void | Promise<void>;
}

/** `store` with `hooks` around every method call. */
export function withStoreHooks(store: ApprovalStore, hooks: StoreHooks): ApprovalStore {
  const wrapped = {} as Record<StoreMethod, unknown>;
  for (const method of Object.keys(store) as StoreMethod[]) {
    const real = store[method] as (...args: unknown[]) => Promise<unknown>;
    wrapped[method] = async (...args: unknown[]) => {
      await hooks.before?.(method, args);
      const result = await real(...args);
      await hooks.after?.(method, args, result);
      return result;
    };
  }
  return wrapped as unknown as ApprovalStore;
}

/** A promise and its resolver. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

/** A gate that stays shut until `open` is called. */
export function createGate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves each `arrive()` once `parties` callers have arrived. */
export function createBarrier(parties: number): { arrive(): Promise<void> } {
  const gate = createGate();
  let arrived = 0;
  return {
    arrive() {
      arrived += 1;
      if (arrived >= parties) gate.open();
      return gate.promise;
    },
  };
}
