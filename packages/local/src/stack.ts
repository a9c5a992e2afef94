import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { startSfnLocal } from "@signoff/sfn-local";
import { buildAwsEnv } from "./aws-env.ts";
import type { StackPorts } from "./config.ts";
import { readLocalConfig } from "./config.ts";
import {
  DEFAULT_REGION,
  DEFAULT_TABLE_NAME,
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_HOST,
  type PortedService,
  PortedServices,
} from "./constants.ts";
import { startDynamoDb } from "./dynamodb-server.ts";
import { LocalStackError } from "./errors.ts";
import { WORKFLOWS_DIR } from "./paths.ts";
import { assertPortsFree, type PortClaim, portInUseError } from "./ports.ts";
import { startSes } from "./ses-server.ts";
import type { Stack, StackOptions, StackService, StackServiceContext } from "./stack-types.ts";
import { ensureTable } from "./table.ts";
import { LOCAL_SUBSTITUTIONS } from "./workflow-substitutions.ts";
import { loadWorkflows, registerWorkflows } from "./workflows.ts";

type Stop = () => Promise<void>;

/**
 * Starts the local stack on 127.0.0.1: DynamoDB (dynalite), the SES v2 emulator with its inbox,
 * sfn-local; creates the table, registers every workflow, then starts the API and any extra
 * services. If any step fails, whatever already started is stopped before the error is thrown.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => {});
  const region = options.region ?? DEFAULT_REGION;
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const ports = resolvePorts(options.ports);
  const services = planServices(options, ports);

  // 1. Fail before starting anything: a taken port, or a workflow file that cannot be registered.
  await assertPortsFree([
    claim("dynamodb", ports),
    claim("ses", ports),
    claim("stepfunctions", ports),
    ...services.flatMap(({ claim }) => (claim ? [claim] : [])),
  ]);
  const workflows = await loadWorkflows(options.workflowsDir ?? WORKFLOWS_DIR, {
    ...LOCAL_SUBSTITUTIONS,
    ...options.substitutions,
  });

  const stops: Stop[] = [];
  try {
    // 2. The emulators.
    const dynamodb = await startDynamoDb({
      port: ports.dynamodb,
      ...(options.persistDir ? { persistDir: options.persistDir } : {}),
    });
    stops.push(dynamodb.close);
    log(
      line(
        "DynamoDB",
        dynamodb.url,
        options.persistDir ? `data in ${options.persistDir}` : "in memory",
      ),
    );

    const ses = await startSes({ port: ports.ses });
    stops.push(ses.close);
    log(line("SES inbox", ses.inboxUrl, "mail sent through SES v2 shows up here"));

    const sfn = await startSfn(ports.stepfunctions, region, options);
    stops.push(() => sfn.close());
    log(line("Step Functions", sfn.url));

    const endpoints = { dynamodb: dynamodb.url, sesv2: ses.url, stepfunctions: sfn.url };
    const env = buildAwsEnv(region, endpoints);

    // 3. The table and the state machines, through the same SDK clients the application uses.
    // They get their endpoints explicitly rather than from AWS_ENDPOINT_URL_*: the stack never
    // changes process.env, so several stacks can run in one process (tests do).
    const clientConfig = { region, credentials: LOCAL_CREDENTIALS };
    const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamodb.url });
    const sfnClient = new SFNClient({ ...clientConfig, endpoint: sfn.url });
    let stateMachines: Record<string, string>;
    try {
      await ensureTable(dynamoClient, tableName);
      log(line("Table", tableName));
      stateMachines = await registerWorkflows(sfnClient, workflows);
      for (const name of Object.keys(stateMachines)) log(line("State machine", name));
    } finally {
      dynamoClient.destroy();
      sfnClient.destroy();
    }

    // 4. The API and the extra services, which may use all of the above.
    const context = { host: LOCAL_HOST, region, tableName, stateMachines, env, log };
    const contextEndpoints = { ...endpoints, inbox: ses.inboxUrl };
    let apiUrl: string | undefined;
    let issuerUrl: string | undefined;
    let slackUrl: string | undefined;
    for (const planned of services) {
      const running = await startService(planned, {
        ...context,
        port: planned.service.port,
        endpoints: contextEndpoints,
      });
      stops.push(running.stop);
      if (planned.isApi) apiUrl = running.url;
      if (planned.isIssuer) issuerUrl = running.url;
      if (planned.isSlack) slackUrl = running.url;
      log(line(planned.service.name, running.url ?? "running"));
    }

    let stopping: Promise<void> | undefined;
    return {
      region,
      endpoints: {
        ...contextEndpoints,
        ...(apiUrl ? { api: apiUrl } : {}),
        ...(issuerUrl ? { issuer: issuerUrl } : {}),
        ...(slackUrl ? { slack: slackUrl } : {}),
      },
      stateMachines,
      tableName,
      env,
      registerFunction: (name, fn) => sfn.registerFunction(name, fn),
      stop: () => {
        stopping ??= stopAll(stops);
        return stopping;
      },
    };
  } catch (error) {
    await stopAll(stops).catch(() => {
      // The start error is the one worth reporting.
    });
    throw error;
  }
}

function resolvePorts(given: Partial<StackPorts> = {}): StackPorts {
  const names = Object.keys(PortedServices) as PortedService[];
  // The environment is read only when needed, so explicit ports work whatever it holds.
  const fallback = names.every((name) => given[name] !== undefined)
    ? undefined
    : readLocalConfig(process.env).ports;
  const ports = {} as StackPorts;
  for (const name of names) ports[name] = given[name] ?? fallback![name];
  return ports;
}

function claim(service: PortedService, ports: StackPorts): PortClaim {
  return { ...PortedServices[service], port: ports[service] };
}

/** A service to start after the emulators, with the port claim checked before anything starts. */
interface PlannedService {
  service: StackService;
  claim: PortClaim | undefined;
  isApi: boolean;
  isIssuer?: boolean;
  isSlack?: boolean;
}

function planServices(options: StackOptions, ports: StackPorts): PlannedService[] {
  // The issuer comes first: the API trusts it, and learns its URL when it starts.
  const issuer: PlannedService[] = options.issuer
    ? [
        {
          service: { ...options.issuer, name: PortedServices.issuer.label, port: ports.issuer },
          claim: claim("issuer", ports),
          isApi: false,
          isIssuer: true,
        },
      ]
    : [];
  // The Slack stand-in comes before the API, which learns its URL, token and secret when it starts.
  const slack: PlannedService[] = options.slack
    ? [
        {
          service: { ...options.slack, name: PortedServices.slack.label, port: ports.slack },
          claim: claim("slack", ports),
          isApi: false,
          isSlack: true,
        },
      ]
    : [];
  const api: PlannedService[] = options.api
    ? [
        {
          service: { ...options.api, name: PortedServices.api.label, port: ports.api },
          claim: claim("api", ports),
          isApi: true,
        },
      ]
    : [];
  const extras = (options.services ?? []).map((service) => ({
    service,
    claim: service.port === undefined ? undefined : { label: service.name, port: service.port },
    isApi: false,
  }));
  return [...issuer, ...slack, ...api, ...extras];
}

async function startSfn(port: number, region: string, options: StackOptions) {
  const claimed = { ...PortedServices.stepfunctions, port };
  try {
    return await startSfnLocal({
      host: LOCAL_HOST,
      port,
      region,
      accountId: LOCAL_ACCOUNT_ID,
      functions: { ...options.functions },
      ...(options.onExecutionStatusChange
        ? { onExecutionStatusChange: options.onExecutionStatusChange }
        : {}),
      ...(options.sfnFaults ? { faults: options.sfnFaults } : {}),
    });
  } catch (error) {
    const text = String((error as Error)?.message ?? error);
    if ((error as NodeJS.ErrnoException)?.code === "EADDRINUSE" || /in use/i.test(text)) {
      throw portInUseError(claimed, error);
    }
    throw new LocalStackError("START_FAILED", `Step Functions cannot start: ${text}`, {
      service: claimed.label,
      cause: error,
    });
  }
}

async function startService({ service, claim }: PlannedService, context: StackServiceContext) {
  try {
    return await service.start(context);
  } catch (error) {
    if (error instanceof LocalStackError) throw error;
    if (claim && (error as NodeJS.ErrnoException)?.code === "EADDRINUSE") {
      throw portInUseError(claim, error);
    }
    throw new LocalStackError(
      "START_FAILED",
      `${service.name} cannot start: ${(error as Error)?.message ?? String(error)}`,
      { service: service.name, cause: error },
    );
  }
}

/** Stops in reverse start order; every stop runs even if an earlier one fails. */
async function stopAll(stops: readonly Stop[]): Promise<void> {
  const errors: unknown[] = [];
  for (const stop of [...stops].reverse()) {
    try {
      await stop();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}

function line(label: string, detail: string, note?: string): string {
  return `  ${label.padEnd(15)} ${detail}${note ? `  (${note})` : ""}`;
}
