/**
 * The emulators a flow or handler test file runs on: dynalite, the SES inbox and sfn-local,
 * started once before the file's tests and stopped after them.
 */
import { afterAll, beforeAll } from "vitest";
import { type DynamoEmulator, type SesEmulator, startDynamo, startSesInbox } from "./emulators.ts";
import { type SfnEmulator, startSfn } from "./sfn-emulator.ts";

export interface Emulators {
  dynamo: DynamoEmulator;
  ses: SesEmulator;
  sfn: SfnEmulator;
}

/** Registers the start and stop hooks; the returned object is filled in before the tests run. */
export function useEmulators(): Emulators {
  const emulators = {} as Emulators;
  beforeAll(async () => {
    [emulators.dynamo, emulators.ses, emulators.sfn] = await Promise.all([
      startDynamo(),
      startSesInbox(),
      startSfn(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([emulators.dynamo?.stop(), emulators.ses?.stop(), emulators.sfn?.stop()]);
  });
  return emulators;
}
