import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isJsonObject } from "../json.ts";
import { ApiErrorCode, SfnApiError } from "./api-error.ts";
import type { Backend } from "./backend.ts";
import { answerWithFault, pickFault, runsBeforeFault } from "./fault-injection.ts";
import { operations } from "./operations.ts";

const TARGET_PREFIX = "AWSStepFunctions.";
const MAX_BODY_BYTES = 2 * 1024 * 1024;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/x-amz-json-1.0",
    "Content-Length": Buffer.byteLength(text),
    "x-amzn-RequestId": randomUUID(),
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: SfnApiError): void {
  send(response, 400, { __type: error.code, message: error.message });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new SfnApiError(ApiErrorCode.ValidationException, "Request body is too large");
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (isJsonObject(parsed)) return parsed;
  } catch {
    // Answered below.
  }
  throw new SfnApiError(ApiErrorCode.SerializationException, "Request body is not a JSON object");
}

/**
 * Serves one awsJson1_0 request: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`.
 * Expected failures answer 400 `{"__type", "message"}` so the SDK raises its own exception
 * classes; anything unexpected answers 500 and is logged.
 */
export async function handleRequest(
  backend: Backend,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (backend.closed) {
    request.resume();
    return send(response, 503, { __type: "ServiceUnavailable", message: "sfn-local is closing" });
  }
  try {
    const target = request.headers["x-amz-target"];
    const name =
      typeof target === "string" && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : undefined;
    const operation = name === undefined ? undefined : operations[name];
    if (request.method !== "POST" || !operation || name === undefined) {
      request.resume();
      throw new SfnApiError(
        ApiErrorCode.UnknownOperationException,
        `sfn-local does not support the operation ${name ?? String(target ?? `${request.method} ${request.url}`)}`,
      );
    }
    backend.services.log("debug", `sfn-local: ${name}`);
    const body = parseBody(await readBody(request));
    const fault = pickFault(backend.faults, name);
    if (fault !== undefined) {
      backend.faults?.onFault?.({ operation: name, kind: fault });
      backend.services.log("debug", `sfn-local: ${name} suffers an injected ${fault}`);
      // A lost response takes effect first, whatever its result: the client hears nothing.
      if (runsBeforeFault(fault)) await (async () => operation(backend, body))().catch(() => {});
      const random = backend.faults?.random ?? Math.random;
      answerWithFault(response, fault, (status, b) => send(response, status, b), random);
      return;
    }
    send(response, 200, (await operation(backend, body)) ?? {});
  } catch (error) {
    if (error instanceof SfnApiError) return sendError(response, error);
    backend.services.log("error", "sfn-local: request failed", error);
    send(response, 500, {
      __type: "InternalServerError",
      message: "sfn-local failed; see its log",
    });
  }
}
