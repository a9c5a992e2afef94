import "../promise-with-resolvers.ts";
import {
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";

let probe: Promise<new () => Error> | undefined;

// The library keeps States.TaskFailed from matching a timeout by testing `instanceof` its own,
// unexported StatesTimeoutError; a one-state run that times out at once hands over the class.
async function probeTimeoutErrorClass(): Promise<new () => Error> {
  const definition = {
    StartAt: "Probe",
    States: {
      Probe: { Type: "Task", Resource: "sfn-local:probe", TimeoutSeconds: 0.001, End: true },
    },
  };
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  const handlers = { Probe: () => new Promise(() => {}) };
  const execution = machine.run(
    {},
    { overrides: { taskResourceLocalHandlers: handlers } as RunOptions["overrides"] },
  );
  try {
    await execution.result;
  } catch (thrown) {
    const cause = thrown instanceof Error && thrown.cause instanceof Error ? thrown.cause : thrown;
    if (cause instanceof Error && cause.name === "States.Timeout") {
      return cause.constructor as new () => Error;
    }
  }
  throw new Error("sfn-local: could not obtain aws-local-stepfunctions' timeout error");
}

/** A new States.Timeout error of the library's own class, so Retry and Catch treat it as its own. */
export async function createLibraryTimeoutError(): Promise<Error> {
  probe ??= probeTimeoutErrorClass();
  const TimeoutError = await probe;
  return new TimeoutError();
}
