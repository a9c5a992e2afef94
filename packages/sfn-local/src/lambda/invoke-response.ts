import { randomUUID } from "node:crypto";
import type { JsonValue } from "../json.ts";

/**
 * The result of the `arn:aws:states:::lambda:invoke` integration: the Lambda Invoke response as
 * Step Functions passes it on, with the function's result under `Payload`.
 */
export function lambdaInvokeResponse(payload: JsonValue, statusCode = 200): JsonValue {
  const requestId = randomUUID();
  const body = statusCode === 200 ? JSON.stringify(payload) : "";
  const headers = {
    Connection: "keep-alive",
    "Content-Length": String(Buffer.byteLength(body)),
    "Content-Type": "application/json",
    Date: new Date().toUTCString(),
    "X-Amz-Executed-Version": "$LATEST",
    "x-amzn-Remapped-Content-Length": "0",
    "x-amzn-RequestId": requestId,
    "X-Amzn-Trace-Id": `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll("-", "").slice(0, 24)}`,
  };
  return {
    ExecutedVersion: "$LATEST",
    Payload: statusCode === 200 ? payload : "",
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: statusCode,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: statusCode,
  };
}
