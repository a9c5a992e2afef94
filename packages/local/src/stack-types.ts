import type { LocalFunction, SfnLocalOptions } from "@signoff/sfn-local";
import type { AwsEndpoints } from "./aws-env.ts";
import type { StackPorts } from "./config.ts";

/** What a service started by the stack (the HTTP API, the sweeper timer) is given. */
export interface StackServiceContext {
  /** Always 127.0.0.1: bind there, never on all interfaces. */
  host: string;
  /** The port reserved for the service; 0 means pick any free one. Undefined for port-less services. */
  port: number | undefined;
  region: string;
  tableName: string;
  endpoints: AwsEndpoints & { inbox: string };
  stateMachines: Readonly<Record<string, string>>;
  /** The variables that point SDK clients at the stack (see Stack.env). */
  env: Readonly<Record<string, string>>;
  log: (line: string) => void;
}

/** A service once started: where it listens, if anywhere, and how to stop it. */
export interface RunningStackService {
  url?: string;
  stop(): Promise<void>;
}

/** An extra service for the stack to start after the emulators are up and stop before them. */
export interface StackService {
  /** Named in progress lines and errors, e.g. "sweeper". */
  name: string;
  /** A port to check before anything starts (0 = any free port; omit when it listens nowhere). */
  port?: number;
  start(context: StackServiceContext): Promise<RunningStackService>;
}

/** Options of `startStack`. Every one has a default, so `startStack()` runs the full stack. */
export interface StackOptions {
  /** Ports by service (0 = any free port); a missing one comes from SIGNOFF_*_PORT, then the default. */
  ports?: Partial<StackPorts>;
  /** Default us-east-1. */
  region?: string;
  /** Default "signoff". */
  tableName?: string;
  /** Keep DynamoDB data in this directory (LevelDB) instead of in memory. */
  persistDir?: string;
  /** Where the `*.asl.json` definitions are; default infra/workflows/. */
  workflowsDir?: string;
  /** Values for the `${Name}` placeholders in the definitions, over LOCAL_SUBSTITUTIONS. */
  substitutions?: Readonly<Record<string, string>>;
  /** Local functions Task states can invoke by name (passed to sfn-local). */
  functions?: Readonly<Record<string, LocalFunction>>;
  /** Called by sfn-local when an execution changes status (the local EventBridge rule). */
  onExecutionStatusChange?: SfnLocalOptions["onExecutionStatusChange"];
  /** Faults sfn-local injects (tests only; none by default). See packages/sfn-local/README.md. */
  sfnFaults?: SfnLocalOptions["faults"];
  /**
   * The dev OIDC issuer, started on `ports.issuer` before the API (which trusts it) and listed
   * as `endpoints.issuer`.
   */
  issuer?: Pick<StackService, "start">;
  /**
   * The Slack stand-in (@signoff/slack-local), started on `ports.slack` before the API (which
   * posts to it) and listed as `endpoints.slack`.
   */
  slack?: Pick<StackService, "start">;
  /** The HTTP API, started on `ports.api` and listed as `endpoints.api`. */
  api?: Pick<StackService, "start">;
  /** More services to start last, in order (e.g. the sweeper on a timer). */
  services?: readonly StackService[];
  /** Receives one progress line per service as it comes up; silent by default. */
  log?: (line: string) => void;
}

/** Where each part of a running stack listens. */
export interface StackEndpoints extends AwsEndpoints {
  /** The web inbox of the SES emulator; `GET <inbox>store` returns sent mail as JSON. */
  inbox: string;
  /** The signoff API, when one was started. */
  api?: string;
  /** The dev OIDC issuer, when one was started. */
  issuer?: string;
  /** The Slack stand-in's page, when one was started. */
  slack?: string;
}

/** A running local stack. */
export interface Stack {
  region: string;
  endpoints: StackEndpoints;
  /** State machine ARNs by name (the workflow file's basename). */
  stateMachines: Readonly<Record<string, string>>;
  tableName: string;
  /**
   * AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SESV2, AWS_ENDPOINT_URL_SFN, AWS_REGION,
   * AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: merged into `process.env`
   * (or a child's env) they point unmodified SDK clients and the AWS CLI at the stack.
   */
  env: Readonly<Record<string, string>>;
  /** Adds or replaces a local function after start. */
  registerFunction(name: string, fn: LocalFunction): void;
  /** Stops every service, last started first. Calling it again returns the same promise. */
  stop(): Promise<void>;
}
