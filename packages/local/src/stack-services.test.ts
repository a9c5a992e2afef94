import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundPort, closeServer } from "./http-server.ts";
import { startStack } from "./stack.ts";
import type { Stack, StackServiceContext } from "./stack-types.ts";
import { FREE_PORTS } from "./test-helpers.ts";

describe("startStack with an API and extra services", () => {
  let stack: Stack;
  let apiContext: StackServiceContext | undefined;
  const events: string[] = [];

  beforeAll(async () => {
    stack = await startStack({
      ports: FREE_PORTS,
      api: {
        start: async (context) => {
          apiContext = context;
          const server = createServer((_request, response) => {
            response.end(JSON.stringify({ table: context.tableName }));
          });
          await new Promise<void>((resolve) => server.listen(context.port, context.host, resolve));
          events.push("api started");
          return {
            url: `http://${context.host}:${boundPort(server)}`,
            stop: async () => {
              events.push("api stopped");
              await closeServer(server);
            },
          };
        },
      },
      services: [
        {
          name: "sweeper",
          start: async () => {
            const timer = setInterval(() => {}, 1_000);
            events.push("sweeper started");
            return {
              stop: async () => {
                clearInterval(timer);
                events.push("sweeper stopped");
              },
            };
          },
        },
      ],
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("gives the API its port, the stack's endpoints and environment", () => {
    expect(apiContext).toMatchObject({
      host: "127.0.0.1",
      port: 0,
      region: stack.region,
      tableName: "signoff",
      env: stack.env,
      stateMachines: stack.stateMachines,
      endpoints: {
        dynamodb: stack.endpoints.dynamodb,
        sesv2: stack.endpoints.sesv2,
        stepfunctions: stack.endpoints.stepfunctions,
        inbox: stack.endpoints.inbox,
      },
    });
  });

  it("lists the API's URL among the endpoints and serves it", async () => {
    expect(stack.endpoints.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(stack.endpoints.api!);
    expect(await response.json()).toEqual({ table: "signoff" });
  });

  it("stops the services last started first, and only once", async () => {
    await Promise.all([stack.stop(), stack.stop()]);
    expect(events).toEqual(["api started", "sweeper started", "sweeper stopped", "api stopped"]);
    await expect(fetch(stack.endpoints.api!)).rejects.toThrow();
  });
});
