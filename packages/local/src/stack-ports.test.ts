import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { StackPorts } from "./config.ts";
import { startDynamoDb } from "./dynamodb-server.ts";
import { LocalStackError } from "./errors.ts";
import { startSes } from "./ses-server.ts";
import { startStack } from "./stack.ts";

const blockers: Server[] = [];

/** Holds a port on 127.0.0.1 the way another program would. */
async function occupyPort(): Promise<number> {
  const server = createServer();
  blockers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Fixed ports that were free a moment ago, so a test can check afterwards that they are free again. */
async function freePorts(): Promise<StackPorts> {
  return {
    dynamodb: await freePort(),
    ses: await freePort(),
    stepfunctions: await freePort(),
    api: await freePort(),
    issuer: await freePort(),
    slack: await freePort(),
  };
}

/** Nothing is left listening: each port can be bound again. */
async function expectPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(port, "127.0.0.1", resolve);
    });
    await new Promise((resolve) => probe.close(resolve));
  }
}

async function rejection(promise: Promise<unknown>): Promise<LocalStackError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LocalStackError);
  return error as LocalStackError;
}

afterEach(async () => {
  await Promise.all(
    blockers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

describe("a port in use", () => {
  it.each([
    ["dynamodb", "DynamoDB", "SIGNOFF_DYNAMODB_PORT"],
    ["ses", "SES inbox", "SIGNOFF_SES_PORT"],
    ["stepfunctions", "Step Functions", "SIGNOFF_SFN_PORT"],
  ] as const)(
    "stops the start of %s with one line naming the service, port and variable",
    async (service, label, variable) => {
      const taken = await occupyPort();
      const ports: StackPorts = { ...(await freePorts()), [service]: taken };

      const error = await rejection(startStack({ ports }));

      expect(error.code).toBe("PORT_IN_USE");
      expect(error.message).toBe(
        `${label} cannot start: port ${taken} on 127.0.0.1 is already in use (set ${variable} to use another port)`,
      );
      expect(error.message).not.toContain("\n");
      // Nothing started: every other port is still free.
      await expectPortsFree(Object.values(ports).filter((port) => port !== taken));
    },
  );

  it("is named the same way when another program takes it between the check and the listen", async () => {
    const taken = await occupyPort();
    expect((await rejection(startDynamoDb({ port: taken }))).message).toBe(
      `DynamoDB cannot start: port ${taken} on 127.0.0.1 is already in use (set SIGNOFF_DYNAMODB_PORT to use another port)`,
    );
    expect((await rejection(startSes({ port: taken }))).message).toBe(
      `SES inbox cannot start: port ${taken} on 127.0.0.1 is already in use (set SIGNOFF_SES_PORT to use another port)`,
    );
  });
});

describe("a service that fails to start", () => {
  it("stops everything that already started and names the service", async () => {
    const ports = await freePorts();

    const error = await rejection(
      startStack({
        ports,
        services: [
          {
            name: "sweeper",
            start: async () => {
              throw new Error("no schedule configured");
            },
          },
        ],
      }),
    );

    expect(error.code).toBe("START_FAILED");
    expect(error.message).toBe("sweeper cannot start: no schedule configured");
    await expectPortsFree(Object.values(ports));
  });
});
