import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Backend, type BackendInternals } from "./api/backend.ts";
import { validateFaults } from "./api/fault-injection.ts";
import { handleRequest } from "./api/handle-request.ts";
import type { SfnLocal, SfnLocalOptions } from "./types.ts";

const DEFAULT_PORT = 8083;

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`sfn-local: port ${port} is already in use`, { cause: error })
          : error,
      );
    };
    const onListening = () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/**
 * Starts sfn-local with internal knobs (see {@link BackendInternals}); tests use it to make the
 * library's task timer re-arm within seconds. Applications use {@link startSfnLocal}.
 */
export async function startSfnLocalWith(
  options: SfnLocalOptions,
  internals: BackendInternals,
): Promise<SfnLocal> {
  const host = options.host ?? "127.0.0.1";
  if (options.faults) validateFaults(options.faults);
  const backend = new Backend(options, internals);
  const server = createServer((request, response) => {
    void handleRequest(backend, request, response);
  });
  const port = await listen(server, options.port ?? DEFAULT_PORT, host);
  let closing: Promise<void> | undefined;
  return {
    url: formatUrl(host, port),
    port,
    registerFunction: (name, fn) => backend.services.functions.register(name, fn),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        backend.shutdown();
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; without this, close would wait for them.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * Starts a Step Functions API emulator (awsJson1_0, as @aws-sdk/client-sfn and the AWS CLI
 * speak it) running state machines on aws-local-stepfunctions, with Lambda functions called
 * in-process. Rejects with "sfn-local: port N is already in use" when the port is taken.
 */
export function startSfnLocal(options: SfnLocalOptions = {}): Promise<SfnLocal> {
  return startSfnLocalWith(options, {});
}
