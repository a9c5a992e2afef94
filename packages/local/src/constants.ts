/** Every server of the local stack binds loopback only: it holds no secrets, but it has no auth either. */
export const LOCAL_HOST = "127.0.0.1";

/** The region the SDK clients and ARNs use unless the caller picks another. */
export const DEFAULT_REGION = "us-east-1";

/** The account id local ARNs carry; dynalite derives the same one when AWS_ACCOUNT_ID is unset. */
export const LOCAL_ACCOUNT_ID = "000000000000";

/** The single table's name unless the caller picks another. */
export const DEFAULT_TABLE_NAME = "signoff";

/**
 * Dummy credentials: the emulators only check that a request is signed, not by whom.
 * They must never be real ones, so a misconfigured client fails against AWS instead of acting on it.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/** The role ARN state machines are created with; sfn-local requires one but assumes nothing. */
export const LOCAL_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/signoff-local`;

/** The services that listen on a port, with their default port and the variable that overrides it. */
export const PortedServices = {
  dynamodb: { label: "DynamoDB", portVariable: "SIGNOFF_DYNAMODB_PORT", defaultPort: 8000 },
  ses: { label: "SES inbox", portVariable: "SIGNOFF_SES_PORT", defaultPort: 8005 },
  stepfunctions: { label: "Step Functions", portVariable: "SIGNOFF_SFN_PORT", defaultPort: 8083 },
  api: { label: "API", portVariable: "SIGNOFF_API_PORT", defaultPort: 3000 },
  issuer: { label: "Dev OIDC issuer", portVariable: "SIGNOFF_ISSUER_PORT", defaultPort: 8086 },
  slack: { label: "Slack stand-in", portVariable: "SIGNOFF_SLACK_PORT", defaultPort: 8087 },
} as const;

/** A service of the stack that has a configurable port. */
export type PortedService = keyof typeof PortedServices;

/** Where `main.ts` writes `stack.json` unless SIGNOFF_STATE_DIR says otherwise (relative to the repo). */
export const DEFAULT_STATE_DIR = ".local";

/** The approvers the demo asks, and whom the dev issuer's login page offers first. */
export const DEMO_APPROVERS = ["alice@example.com", "bob@example.com"] as const;

/** The dev issuer's admin identity: in the admin group, so `/v1` lets it read every approval. */
export const DEV_ADMIN_EMAIL = "admin@example.com";
