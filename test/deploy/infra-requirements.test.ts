/**
 * What a first real deploy must get right, checked on the resource graph sst.config.ts produces
 * offline (infra-graph.ts: SST's components under Pulumi's mocks). Each test reads the graph, not
 * infra/'s source, so a change that compiles but wires something wrong fails here.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TABLE_INDEX_NAMES } from "@signoff/core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { SesProblemEvent } from "../../packages/functions/src/email-events/read-ses-event.ts";
import {
  accessLogFormatOf,
  allowedActions,
  apiCorsOf,
  contextVariablesOf,
  evaluateInfra,
  eventInvokeConfigOf,
  functionNames,
  getResource,
  type InfraGraph,
  type InfraResource,
  isWildcardAction,
  lambdaOf,
  linksOf,
  MOCK_ACCOUNT,
  managedPolicyArnsOf,
  onlyResource,
  parsePolicy,
  policyDocuments,
  policyStatementsOf,
  resourcesOfType,
  roleStatements,
  statementsAllowing,
  TYPES,
  trustStatementsOf,
  withSymbolicArns,
} from "./infra-graph.ts";
import { ROOT } from "./run-tool.ts";

const EVALUATION_TIMEOUT_MS = 120_000;
const SENDER = "approvals@example.com";

let graph: InfraGraph;
let reusing: InfraGraph;
let withCors: InfraGraph;
let badSender: unknown;

beforeAll(async () => {
  const install = inject("sstInstall");
  if (install.code !== 0) throw new Error(`sst install failed:\n${install.output}`);
  [graph, reusing, withCors, badSender] = await Promise.all([
    evaluateInfra({ stage: "ci" }),
    evaluateInfra({
      stage: "staging",
      env: { SIGNOFF_SENDER: "approvals-staging@example.com", SIGNOFF_SES_IDENTITY: "example.com" },
    }),
    evaluateInfra({
      stage: "ci",
      env: {
        SIGNOFF_SENDER: SENDER,
        SIGNOFF_CORS_ORIGINS: "https://dash.example.com",
        SIGNOFF_ALARM_EMAIL: "oncall@example.com",
      },
    }),
    evaluateInfra({ stage: "ci", env: { SIGNOFF_SENDER: "example.com" } }).then(
      () => undefined,
      (error: unknown) => error,
    ),
  ]);
}, EVALUATION_TIMEOUT_MS);

/** The handler file (api, sweeper, …) SST built for a function, from its Runtime.Build call. */
function handlerOf(g: InfraGraph, functionName: string): string {
  const build = g.rpcCalls.find(
    (call) =>
      call.method === "Runtime.Build" &&
      (call.args as { functionID?: string }).functionID === functionName,
  );
  const handler = (build?.args as { handler?: string } | undefined)?.handler ?? "";
  const match = /handlers\/([\w-]+)\.handler$/.exec(handler);
  if (!match) throw new Error(`no handler found for ${functionName}`);
  return match[1]!;
}

async function codePermissions(): Promise<Record<string, string[]>> {
  return JSON.parse(await readFile(join(ROOT, "infra/aws-permissions.json"), "utf8"));
}

const arnOf = (resource: InfraResource) => resource.outputs.arn as string;
const deadLettersOf = (g: InfraGraph) => getResource(g, TYPES.queue, "DeadLetters");
const dueShardsOf = (g: InfraGraph) => getResource(g, TYPES.queue, "DueShardsQueue");
/** What Lambda's SQS event source needs of the function it feeds (SST grants them). */
const QUEUE_CONSUMER_ACTIONS = [
  "sqs:ChangeMessageVisibility",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
  "sqs:ReceiveMessage",
];
const tableOf = (g: InfraGraph) => onlyResource(g, TYPES.table);

describe("least privilege", () => {
  it("no policy anywhere allows a wildcard action", () => {
    const wildcards = policyDocuments(graph).flatMap((document) =>
      document.statements.flatMap((statement) =>
        statement.Action.filter(isWildcardAction).map((action) => `${statement.source}: ${action}`),
      ),
    );
    expect(wildcards).toEqual([]);
    // The rule sees a wildcard when there is one.
    expect(
      parsePolicy({ Statement: { Effect: "Allow", Action: "dynamodb:*", Resource: "x" } })
        .flatMap((statement) => statement.Action)
        .some(isWildcardAction),
    ).toBe(true);
  });

  it("grants each function exactly the actions its code calls, plus writing its dead letters (and, for sweep-shard, consuming its queue)", async () => {
    const permissions = await codePermissions();
    const names = functionNames(graph);
    expect(names.map((name) => handlerOf(graph, name)).sort()).toEqual(
      Object.keys(permissions).sort(),
    );
    for (const name of names) {
      const handler = handlerOf(graph, name);
      const code = permissions[handler]!;
      expect(code.length, name).toBeGreaterThan(0);
      const consumer = handler === "sweep-shard" ? QUEUE_CONSUMER_ACTIONS : [];
      expect(allowedActions(policyStatementsOf(graph, name)).sort(), name).toEqual(
        [...new Set([...code, "sqs:SendMessage", ...consumer])].sort(),
      );
      // Logs only, through the one AWS-managed policy Lambda needs.
      expect(managedPolicyArnsOf(graph, name), name).toEqual([
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
      ]);
    }
    // The derivation tells the functions apart: cancel and ses-events never call Step Functions,
    // and only the sweepers hand shards on.
    expect(permissions.cancel!.some((action) => action.startsWith("states:"))).toBe(false);
    expect(
      Object.keys(permissions).filter((handler) =>
        permissions[handler]!.includes("sqs:SendMessage"),
      ),
    ).toEqual(["sweep-shard", "sweeper"]);
    expect(permissions["ses-events"]!.some((action) => action.startsWith("ses:"))).toBe(false);
  });

  it("names exactly the resources each action acts on", () => {
    const table = arnOf(tableOf(graph));
    const indexes = TABLE_INDEX_NAMES.map((index) => `${table}/index/${index}`);
    const identity = arnOf(onlyResource(graph, TYPES.emailIdentity));
    const configurationSet = onlyResource(graph, TYPES.configurationSet);
    const queue = arnOf(deadLettersOf(graph));
    const shardQueue = arnOf(dueShardsOf(graph));
    for (const name of functionNames(graph)) {
      const handler = handlerOf(graph, name);
      for (const statement of policyStatementsOf(graph, name)) {
        expect(statement.Effect).toBe("Allow");
        for (const action of statement.Action) {
          const where = `${name} ${action}`;
          if (action === "dynamodb:Query") {
            expect(statement.Resource.sort(), where).toEqual([table, ...indexes].sort());
          } else if (action.startsWith("dynamodb:")) {
            expect(statement.Resource, where).toEqual([table]);
          } else if (action === "ses:SendEmail") {
            expect(statement.Resource.sort(), where).toEqual(
              [
                identity,
                `arn:aws:ses:us-east-1:${MOCK_ACCOUNT}:configuration-set/${configurationSet.inputs.configurationSetName}`,
              ].sort(),
            );
          } else if (action === "sqs:SendMessage") {
            // Dead letters for every function; the due shards queue for the sweepers' code.
            const allowed = handler.startsWith("sweep") ? [[queue], [shardQueue]] : [[queue]];
            expect(allowed, where).toContainEqual(statement.Resource);
          } else if (QUEUE_CONSUMER_ACTIONS.includes(action)) {
            expect(handler, where).toBe("sweep-shard");
            expect(statement.Resource, where).toEqual([shardQueue]);
          } else {
            // A task token names no resource.
            expect(action, where).toMatch(/^states:SendTask(Success|Failure|Heartbeat)$/);
            expect(statement.Resource, where).toEqual(["*"]);
          }
        }
      }
    }
  });

  it("lets only Lambda assume a function's role", () => {
    for (const name of functionNames(graph)) {
      const trust = trustStatementsOf(graph, name);
      expect(trust, name).toHaveLength(1);
      expect(trust[0]?.Principal).toEqual({ Service: "lambda.amazonaws.com" });
    }
  });

  it("links each function to only the keyrings it reads, and to nothing that grants IAM", () => {
    const links = Object.fromEntries(
      functionNames(graph).map((name) => [
        handlerOf(graph, name),
        Object.keys(linksOf(graph, name)).sort(),
      ]),
    );
    const slack = ["SlackBotToken", "SlackSigningSecret"];
    expect(links).toEqual({
      api: ["LinkKeys", "SignoffWebhookSecret", ...slack, "TokenKeys"],
      "request-approval": ["LinkKeys", "SignoffWebhookSecret", ...slack, "TokenKeys"],
      sweeper: ["LinkKeys", "SignoffWebhookSecret", ...slack, "TokenKeys"],
      "sweep-shard": ["LinkKeys", "SignoffWebhookSecret", ...slack, "TokenKeys"],
      cancel: slack,
      "ses-events": [],
    });
  });

  it("lets the state machine invoke only the request-approval function and its versions, assumed only for this account", () => {
    const stateMachine = getResource(graph, TYPES.stateMachine, "ApprovalDemo");
    const role = resourcesOfType(graph, TYPES.role).find(
      (r) => r.outputs.arn === stateMachine.inputs.roleArn,
    ) as InfraResource;
    const invoke = statementsAllowing(roleStatements(graph, role), "lambda:InvokeFunction");
    expect(invoke).toHaveLength(1);
    expect(withSymbolicArns(graph, invoke)[0]?.Resource.sort()).toEqual([
      "{RequestApprovalFunction.arn}",
      "{RequestApprovalFunction.arn}:*",
    ]);
    const trust = parsePolicy(role.inputs.assumeRolePolicy);
    expect(trust).toHaveLength(1);
    expect(trust[0]?.Principal).toEqual({ Service: "states.amazonaws.com" });
    expect(trust[0]?.Condition?.StringEquals).toEqual({ "aws:SourceAccount": MOCK_ACCOUNT });
  });
});

describe("the HTTP API", () => {
  it("answers no CORS unless dashboards' origins are named, and then only those", () => {
    expect(apiCorsOf(graph)).toBeUndefined();
    expect(apiCorsOf(withCors)).toMatchObject({
      allowOrigins: ["https://dash.example.com"],
      allowMethods: ["GET", "POST"],
      allowCredentials: false,
    });
  });

  it("keeps links out of its access log: no path in the format", () => {
    const variables = contextVariablesOf(accessLogFormatOf(graph)!);
    expect(variables).toContain("$context.requestId");
    expect(variables).toContain("$context.routeKey");
    expect(variables).toContain("$context.status");
    expect(variables.filter((variable) => /path/i.test(variable))).toEqual([]);
  });
});

describe("nothing dropped silently", () => {
  it("sends what asynchronous invocations failed on to an encrypted dead-letter queue", () => {
    const queue = deadLettersOf(graph);
    expect(queue.inputs).toMatchObject({ sqsManagedSseEnabled: true });
    for (const handler of ["request-approval", "cancel", "ses-events"]) {
      const name = functionNames(graph).find((fn) => handlerOf(graph, fn) === handler)!;
      expect(eventInvokeConfigOf(graph, name)?.inputs, handler).toMatchObject({
        maximumRetryAttempts: 2,
        destinationConfig: { onFailure: { destination: arnOf(queue) } },
      });
    }
  });

  it("routes ended executions to cancel and SES problems to ses-events, with the queue for what EventBridge cannot deliver", () => {
    const queue = arnOf(deadLettersOf(graph));
    const rules = resourcesOfType(graph, TYPES.eventRule);
    const ruleFor = (name: string) => getResource(graph, TYPES.eventRule, name);
    const ended = JSON.parse(ruleFor("ExecutionEnded").inputs.eventPattern as string);
    expect(ended).toEqual({
      source: ["aws.states"],
      "detail-type": ["Step Functions Execution Status Change"],
      detail: { status: ["ABORTED", "TIMED_OUT", "FAILED"] },
    });
    const problems = JSON.parse(ruleFor("EmailProblemEvents").inputs.eventPattern as string);
    expect(problems["detail-type"].sort()).toEqual(Object.values(SesProblemEvent).sort());
    expect(problems.detail.mail.tags["ses:configuration-set"]).toEqual([
      onlyResource(graph, TYPES.configurationSet).inputs.configurationSetName,
    ]);
    const targets = resourcesOfType(graph, TYPES.eventTarget);
    expect(targets).toHaveLength(rules.length);
    const expectedTarget = { ExecutionEnded: "Cancel", EmailProblemEvents: "SesEvents" };
    for (const [rule, fn] of Object.entries(expectedTarget)) {
      const target = targets.find((t) => t.inputs.rule === ruleFor(rule).outputs.name);
      expect(target?.inputs, rule).toMatchObject({
        arn: lambdaOf(graph, fn).outputs.arn,
        deadLetterConfig: { arn: queue },
      });
    }
    // Only those rules may write to the queue.
    const policy = parsePolicy(onlyResource(graph, TYPES.queuePolicy).inputs.policy);
    expect(policy).toHaveLength(1);
    expect(policy[0]).toMatchObject({ Action: ["sqs:SendMessage"], Resource: [queue] });
    expect(policy[0]?.Condition?.ArnEquals?.["aws:SourceArn"]).toEqual(rules.map(arnOf));
  });

  it("publishes SES bounces and complaints of this stage's mail to the default bus", () => {
    const destination = onlyResource(
      graph,
      "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination",
    );
    expect(destination.inputs.eventDestination).toMatchObject({
      enabled: true,
      eventBridgeDestination: {
        eventBusArn: `arn:aws:events:us-east-1:${MOCK_ACCOUNT}:event-bus/default`,
      },
    });
    const types = (destination.inputs.eventDestination as { matchingEventTypes: string[] })
      .matchingEventTypes;
    expect(types).toEqual(expect.arrayContaining(["BOUNCE", "COMPLAINT"]));
    // The functions send through that configuration set.
    const setName = onlyResource(graph, TYPES.configurationSet).inputs.configurationSetName;
    for (const name of functionNames(graph)) {
      const env = (
        lambdaOf(graph, name).inputs.environment as { variables: Record<string, string> }
      ).variables;
      expect(env.SIGNOFF_SES_CONFIGURATION_SET, name).toBe(setName);
    }
  });

  it("never retries the sweeper's schedule into an overlapping run", () => {
    const schedule = onlyResource(graph, TYPES.schedule);
    expect(schedule.inputs).toMatchObject({
      scheduleExpression: "rate(1 minute)",
      target: { retryPolicy: { maximumRetryAttempts: 0 } },
    });
    expect(lambdaOf(graph, "Sweeper").inputs.timeout).toBe(50);
  });
});

describe("a sweeper that keeps up", () => {
  it("hands busy due shards to sweep-shard through an encrypted FIFO queue, one shard a message", () => {
    const queue = dueShardsOf(graph);
    expect(queue.inputs).toMatchObject({ fifoQueue: true, sqsManagedSseEnabled: true });
    // Lambda's SQS event source wants the visibility timeout at six times the function's.
    const worker = functionNames(graph).find((name) => handlerOf(graph, name) === "sweep-shard")!;
    expect(queue.inputs.visibilityTimeoutSeconds).toBe(
      6 * Number(lambdaOf(graph, worker).inputs.timeout),
    );
    const mapping = onlyResource(graph, "aws:lambda/eventSourceMapping:EventSourceMapping");
    expect(mapping.inputs).toMatchObject({ eventSourceArn: arnOf(queue), batchSize: 1 });
    expect(mapping.inputs.functionName).toBe(lambdaOf(graph, worker).outputs.arn);
    // Its failures alarm like the sweeper's.
    const errors = resourcesOfType(graph, TYPES.metricAlarm).find(
      (alarm) => alarm.name === "SweepShardErrors",
    );
    expect(errors?.inputs).toMatchObject({
      metricName: "Errors",
      dimensions: { FunctionName: lambdaOf(graph, worker).outputs.name },
    });
    // Both sweepers know the queue; the worker reports as the sweeper, for the same alarms.
    for (const name of ["Sweeper", worker]) {
      expect(lambdaOf(graph, name).inputs.environment, name).toMatchObject({
        variables: {
          SIGNOFF_SWEEP_QUEUE_URL: queue.outputs.url,
          POWERTOOLS_SERVICE_NAME: "signoff-sweeper",
        },
      });
    }
  });
});

describe("observability", () => {
  it("alarms on sweeper errors and lag, late callbacks, dead letters and API 5xx, to one topic", () => {
    const topic = arnOf(onlyResource(graph, TYPES.topic));
    const alarms = new Map(
      resourcesOfType(graph, TYPES.metricAlarm).map((alarm) => [alarm.name, alarm.inputs]),
    );
    const expected = {
      SweeperErrors: { namespace: "AWS/Lambda", metricName: "Errors", threshold: 1 },
      SweeperLag: { namespace: "signoff", metricName: "SweeperLag", threshold: 300 },
      CallbacksPending: {
        namespace: "signoff",
        metricName: "OldestPendingCallbackAge",
        threshold: 600,
      },
      DeadLettersNotEmpty: {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        threshold: 0,
      },
      Api5xx: { namespace: "AWS/ApiGateway", metricName: "5xx", threshold: 1 },
      ApiFunctionErrors: { namespace: "AWS/Lambda", metricName: "Errors", threshold: 1 },
    };
    for (const [name, fields] of Object.entries(expected)) {
      expect(alarms.get(name), name).toMatchObject({ ...fields, alarmActions: [topic] });
    }
    // Each watches the resource it is about.
    expect(alarms.get("SweeperErrors")?.dimensions).toEqual({
      FunctionName: lambdaOf(graph, "Sweeper").outputs.name,
    });
    expect(alarms.get("SweeperLag")?.dimensions).toEqual({ service: "signoff-sweeper" });
    expect(lambdaOf(graph, "Sweeper").inputs.environment).toMatchObject({
      variables: {
        POWERTOOLS_SERVICE_NAME: "signoff-sweeper",
        POWERTOOLS_METRICS_NAMESPACE: "signoff",
      },
    });
    // A sweeper that stopped reporting is as late as it gets.
    expect(alarms.get("SweeperLag")?.treatMissingData).toBe("breaching");
    expect(alarms.get("DeadLettersNotEmpty")?.dimensions).toEqual({
      QueueName: deadLettersOf(graph).outputs.name,
    });
    expect(alarms.get("Api5xx")?.dimensions).toEqual({
      ApiId: onlyResource(graph, TYPES.api).outputs.id,
    });
  });

  it("mails the alarms to SIGNOFF_ALARM_EMAIL when it is set", () => {
    expect(resourcesOfType(graph, "aws:sns/topicSubscription:TopicSubscription")).toEqual([]);
    expect(
      onlyResource(withCors, "aws:sns/topicSubscription:TopicSubscription").inputs,
    ).toMatchObject({ protocol: "email", endpoint: "oncall@example.com" });
  });

  it("deploys the JSONata twin of the demo from its ASL file, with the same role", async () => {
    const asl = await readFile(
      join(ROOT, "infra/workflows/approval-demo-jsonata.asl.json"),
      "utf8",
    );
    const arn = lambdaOf(graph, "RequestApproval").outputs.arn as string;
    const twin = getResource(graph, TYPES.stateMachine, "ApprovalDemoJsonata");
    expect(JSON.parse(asl).QueryLanguage).toBe("JSONata");
    expect(twin.inputs.definition).toBe(asl.replaceAll(/\$\{RequestApprovalFunctionArn\}/g, arn));
    expect(twin.inputs.roleArn).toBe(
      getResource(graph, TYPES.stateMachine, "ApprovalDemo").inputs.roleArn,
    );
    expect(graph.outputs.jsonataStateMachine).toBe(twin.outputs.arn);
  });

  it.each(["ApprovalDemo", "ApprovalDemoJsonata"])(
    "logs %s's errors without execution data, and traces it",
    (name) => {
      const stateMachine = getResource(graph, TYPES.stateMachine, name);
      const logGroup = getResource(graph, TYPES.logGroup, `${name}Logs`);
      expect(stateMachine.inputs).toMatchObject({
        loggingConfiguration: {
          level: "ERROR",
          includeExecutionData: false,
          logDestination: `${arnOf(logGroup)}:*`,
        },
        tracingConfiguration: { enabled: true },
      });
    },
  );
});

describe("SES identity", () => {
  it("creates the sender's identity by default", () => {
    expect(onlyResource(graph, TYPES.emailIdentity).inputs.emailIdentity).toBe(SENDER);
  });

  it("reuses an existing identity when told to: creates none and grants sending on it", () => {
    expect(resourcesOfType(reusing, TYPES.emailIdentity)).toEqual([]);
    const send = statementsAllowing(policyStatementsOf(reusing, "ApiFunction"), "ses:SendEmail");
    expect(send[0]?.Resource).toContain(
      `arn:aws:ses:us-east-1:${MOCK_ACCOUNT}:identity/example.com`,
    );
    expect(onlyResource(reusing, TYPES.configurationSet).inputs.configurationSetName).toBe(
      "signoff-staging",
    );
  });

  it("stops the evaluation when the sender is not one address", () => {
    expect(badSender).toBeInstanceOf(Error);
    expect(String((badSender as Error).message)).toMatch(
      /SIGNOFF_SENDER must be one email address/,
    );
  });
});
