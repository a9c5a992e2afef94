/**
 * Events as AWS delivers them to the three functions: the waitForTaskToken payload from a Task
 * state, an API Gateway v2 HTTP API request (payload format 2.0), an EventBridge Scheduler run.
 */
import { randomBytes } from "node:crypto";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const API_ID = "a1b2c3d4e5";
const API_HOST = `${API_ID}.execute-api.${REGION}.amazonaws.com`;

/**
 * A task token as Step Functions hands it out: opaque, base64-ish, several hundred characters
 * (AWS allows up to 2,048). Random, so every call is a new approval.
 */
export function randomTaskToken(): string {
  return `AQC${randomBytes(480).toString("base64")}`;
}

/** The Task state's Payload, as `lambda:invoke.waitForTaskToken` passes it: the event itself. */
export function waitForTaskTokenPayload(fields: {
  taskToken: string;
  approvers: string[];
  subject: string;
}) {
  return {
    taskToken: fields.taskToken,
    executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:ApprovalDemo:${crypto.randomUUID()}`,
    approvers: fields.approvers,
    subject: fields.subject,
    details: { service: "checkout-service", version: "2.3.0", environment: "production" },
    requestedBy: "release-bot@example.com",
    timeoutSeconds: 3600,
  };
}

/** `$default`-route request through an HTTP API with payload format version 2.0. */
export function httpApiEvent(method: string, path: string) {
  const now = new Date();
  const userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)";
  const sourceIp = "203.0.113.7";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: {
      accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      "accept-encoding": "gzip, deflate, br",
      "accept-language": "en-US,en;q=0.9",
      "content-length": "0",
      host: API_HOST,
      "user-agent": userAgent,
      "x-amzn-trace-id": `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`,
      "x-forwarded-for": sourceIp,
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      domainName: API_HOST,
      domainPrefix: API_ID,
      http: { method, path, protocol: "HTTP/1.1", sourceIp, userAgent },
      requestId: randomBytes(8).toString("base64url"),
      routeKey: "$default",
      stage: "$default",
      time: formatClf(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

/**
 * A run of the sweeper's schedule. SST's CronV2 sets no input on the EventBridge Scheduler target,
 * so Scheduler sends its default notification, an EventBridge-style envelope; the sweeper reads
 * nothing from it, which is the point of passing a realistic one.
 */
export function schedulerEvent(scheduleName: string) {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.scheduler",
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: REGION,
    resources: [`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${scheduleName}`],
    detail: "{}",
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `12/Mar/2026:19:03:58 +0000`, API Gateway's requestContext.time. */
function formatClf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
