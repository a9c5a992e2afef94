/**
 * sst.config.ts's resource graph, offline: `evaluateInfra()` runs the config's run() the way
 * `sst deploy` does, with Pulumi's mocks instead of AWS (evaluate-infra.ts, in a child process),
 * and returns every resource the program would create, with its resolved inputs. The helpers below
 * find resources and read the IAM, API Gateway and Lambda settings tests assert on.
 *
 * Outputs of resources are mocks: account 123456789012, region us-east-1, ARNs built from each
 * resource's physical name (SST's `<app>-<stage>-<Name>-<random>` where SST names it, Pulumi's
 * `<Name>-<hash>` otherwise). Physical names carry a random suffix, so compare ARNs to the graph's
 * own outputs (`lambdaOf(graph, "RequestApproval").outputs.arn`), never to literals.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./run-tool.ts";
import { installPlatform, platformIsCurrent } from "./sst-platform.ts";

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "us-east-1";

/** The settings infra/ requires, for evaluations that do not name their own. */
export const DEFAULT_INFRA_ENV: Readonly<Record<string, string>> = {
  SIGNOFF_SENDER: "approvals@example.com",
};

/** Pulumi type tokens the helpers and tests look for. */
export const TYPES = {
  stack: "pulumi:pulumi:Stack",
  sstFunction: "sst:aws:Function",
  lambda: "aws:lambda/function:Function",
  lambdaPermission: "aws:lambda/permission:Permission",
  eventInvokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policy: "aws:iam/policy:Policy",
  api: "aws:apigatewayv2/api:Api",
  apiStage: "aws:apigatewayv2/stage:Stage",
  apiRoute: "aws:apigatewayv2/route:Route",
  apiIntegration: "aws:apigatewayv2/integration:Integration",
  table: "aws:dynamodb/table:Table",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  schedule: "aws:scheduler/schedule:Schedule",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  emailIdentity: "aws:sesv2/emailIdentity:EmailIdentity",
  configurationSet: "aws:sesv2/configurationSet:ConfigurationSet",
} as const;

export interface InfraResource {
  /** Pulumi type token, e.g. "aws:iam/rolePolicy:RolePolicy", or a component's ("sst:aws:Function"). */
  type: string;
  /** Logical name, e.g. "ApiFunctionRole". */
  name: string;
  urn: string;
  /** false for components (sst:aws:Function, ...) and the stack; true for cloud resources. */
  custom: boolean;
  /** The parent's URN; the stack's for top-level resources; undefined for the stack itself. */
  parent?: string;
  /** URNs this resource depends on (dependsOn, and every resource whose outputs its inputs use). */
  dependencies: string[];
  /** Resource options that matter on deletion. */
  options: { protect: boolean; retainOnDelete: boolean; ignoreChanges: string[] };
  /** The inputs as the engine would receive them: every Output resolved, secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** What the mocks answered: the inputs plus computed outputs (id, arn, name, url, ...). */
  outputs: Record<string, unknown>;
  /** The id it was read by, for resources looked up with `.get()` rather than created. */
  readId?: string;
}

export interface InfraGraph {
  stage: string;
  /** $app as the program saw it (name, stage, removal, protect, providers, ...). */
  app: Record<string, unknown>;
  /** In registration order. */
  resources: InfraResource[];
  /** What run() returned, resolved (SST adds `_protect`). */
  outputs: Record<string, unknown>;
  /** Data-source invokes the program made (aws.getRegion, aws.iam.getPolicyDocument, ...). */
  invokes: { token: string; inputs: Record<string, unknown> }[];
  /** Calls to SST's CLI, which the evaluation fakes; secret link values are redacted. */
  rpcCalls: { method: string; args: unknown }[];
  /** Warnings and errors the program or Pulumi logged. */
  diagnostics: string[];
  /** Milliseconds since the evaluator started, at each step. */
  timings: Record<string, number>;
}

export interface EvaluateOptions {
  /** The stage to evaluate; `ci` unless given. */
  stage?: string;
  /**
   * The environment SST would evaluate the config in (SIGNOFF_* settings). Replaces
   * DEFAULT_INFRA_ENV; SIGNOFF_* and SST_* variables of the test's own environment never leak in.
   */
  env?: Record<string, string>;
  /** `sst secret set` values by secret name; a secret not given gets a placeholder. */
  secrets?: Record<string, string>;
  timeoutMs?: number;
}

const EVALUATOR = join(ROOT, "test", "deploy", "evaluate-infra.ts");
const EVALUATION_TIMEOUT_MS = 120_000;

/**
 * Evaluates sst.config.ts's run() for a stage with Pulumi's mocks and returns the resource graph.
 * Installs SST's platform first if .sst/platform is missing or stale (the deploy project's global
 * setup normally has). Rejects with the evaluator's output if the program throws.
 */
export async function evaluateInfra(options: EvaluateOptions = {}): Promise<InfraGraph> {
  if (!(await platformIsCurrent())) {
    const install = await installPlatform();
    if (install.code !== 0) throw new Error(`sst install failed:\n${install.output}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "signoff-infra-graph-"));
  const out = join(dir, "graph.json");
  try {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !name.startsWith("SIGNOFF_") && !name.startsWith("SST_"),
      ),
    );
    const secrets = Object.fromEntries(
      Object.entries(options.secrets ?? {}).map(([name, value]) => [`SST_SECRET_${name}`, value]),
    );
    const env = { ...inherited, ...(options.env ?? DEFAULT_INFRA_ENV), ...secrets };
    const stage = options.stage ?? "ci";
    const timeout = options.timeoutMs ?? EVALUATION_TIMEOUT_MS;
    const args = ["--import", "tsx", EVALUATOR, "--stage", stage, "--out", out];
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        args,
        { cwd: ROOT, env, timeout, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (!error) return resolve();
          const why = error.killed ? `timed out after ${timeout} ms` : `exit code ${error.code}`;
          reject(
            new Error(
              `evaluating sst.config.ts for stage ${stage} failed (${why}):\n${stderr}${stdout}`,
            ),
          );
        },
      );
    });
    return JSON.parse(await readFile(out, "utf8")) as InfraGraph;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- Finding resources ----

export function resourcesOfType(graph: InfraGraph, type: string): InfraResource[] {
  return graph.resources.filter((resource) => resource.type === type);
}

export function findResource(
  graph: InfraGraph,
  type: string,
  name: string,
): InfraResource | undefined {
  return graph.resources.find((resource) => resource.type === type && resource.name === name);
}

/** The resource of this type and logical name; throws, listing what there is, if there is none. */
export function getResource(graph: InfraGraph, type: string, name: string): InfraResource {
  const resource = findResource(graph, type, name);
  if (!resource) {
    const names = resourcesOfType(graph, type).map((r) => r.name);
    throw new Error(
      `no ${type} named ${name} in the graph; there are: ${names.join(", ") || "none"}`,
    );
  }
  return resource;
}

/** The only resource of a type; throws if there is none or several (name the one you mean). */
export function onlyResource(graph: InfraGraph, type: string): InfraResource {
  const found = resourcesOfType(graph, type);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
    );
  }
  return found[0] as InfraResource;
}

/** Direct children of a resource (for a component: what it created). */
export function childrenOf(graph: InfraGraph, parent: InfraResource): InfraResource[] {
  return graph.resources.filter((resource) => resource.parent === parent.urn);
}

/** Every resource under a component, however deep. */
export function descendantsOf(graph: InfraGraph, ancestor: InfraResource): InfraResource[] {
  const children = childrenOf(graph, ancestor);
  return children.flatMap((child) => [child, ...descendantsOf(graph, child)]);
}

/** The resource whose output `key` (e.g. "arn", "name", "id") is `value`, if any. */
export function resourceWithOutput(
  graph: InfraGraph,
  key: string,
  value: unknown,
  type?: string,
): InfraResource | undefined {
  return graph.resources.find(
    (resource) =>
      resource.custom &&
      (type === undefined || resource.type === type) &&
      resource.outputs[key] === value,
  );
}

// ---- Functions ----

/** The names of the sst.aws.Function components, e.g. ["RequestApproval", "ApiFunction", ...]. */
export function functionNames(graph: InfraGraph): string[] {
  return resourcesOfType(graph, TYPES.sstFunction).map((resource) => resource.name);
}

/**
 * The Lambda function of `sst.aws.Function(functionName)` (SST names it `<name>Function`), or a
 * plain `aws.lambda.Function` of that logical name.
 */
export function lambdaOf(graph: InfraGraph, functionName: string): InfraResource {
  const component = findResource(graph, TYPES.sstFunction, functionName);
  if (component) {
    const lambda = childrenOf(graph, component).find((child) => child.type === TYPES.lambda);
    if (!lambda) throw new Error(`sst.aws.Function ${functionName} has no Lambda function`);
    return lambda;
  }
  const plain = findResource(graph, TYPES.lambda, functionName);
  if (plain) return plain;
  throw new Error(
    `no function ${functionName}; the sst.aws.Functions are ${functionNames(graph).join(", ")}`,
  );
}

/** The IAM role the function runs as: the role whose ARN is the Lambda function's `role`. */
export function roleOf(graph: InfraGraph, functionName: string): InfraResource {
  const roleArn = lambdaOf(graph, functionName).inputs.role;
  const role = resourceWithOutput(graph, "arn", roleArn, TYPES.role);
  if (!role) throw new Error(`${functionName} runs as ${String(roleArn)}, not a role in the graph`);
  return role;
}

/** What `link` gave a function: each linked resource's name and SST type (from SST's build call). */
export function linksOf(graph: InfraGraph, functionName: string): Record<string, string> {
  const build = graph.rpcCalls.find(
    (call) =>
      call.method === "Runtime.Build" &&
      (call.args as { functionID?: string }).functionID === functionName,
  );
  if (!build) throw new Error(`SST did not build ${functionName}`);
  const links = (build.args as { links?: Record<string, { type?: string }> }).links ?? {};
  return Object.fromEntries(Object.entries(links).map(([name, link]) => [name, String(link.type)]));
}

/** The function's asynchronous-invocation config (retries, on-failure destination), if any. */
export function eventInvokeConfigOf(
  graph: InfraGraph,
  functionName: string,
): InfraResource | undefined {
  const lambda = lambdaOf(graph, functionName);
  return resourcesOfType(graph, TYPES.eventInvokeConfig).find((config) =>
    [lambda.outputs.name, lambda.outputs.arn].includes(config.inputs.functionName),
  );
}

// ---- IAM ----

/** One IAM statement, every list a list (IAM JSON may write a single value as a string). */
export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string[];
  NotAction: string[];
  Resource: string[];
  NotResource: string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  /** Where the statement is, e.g. "ApiFunctionRole inline policy \"inline\"". */
  source: string;
}

const asList = (value: unknown): string[] =>
  value === undefined || value === null
    ? []
    : Array.isArray(value)
      ? value.map(String)
      : [String(value)];

/** The statements of a policy document (a JSON string, or the object), lists normalized. */
export function parsePolicy(document: unknown, source = "policy"): PolicyStatement[] {
  const parsed = (typeof document === "string" ? JSON.parse(document) : document) as {
    Statement?: unknown;
  } | null;
  if (!parsed || parsed.Statement === undefined) return [];
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return statements.map((raw: Record<string, unknown>) => ({
    ...(raw.Sid === undefined ? {} : { Sid: String(raw.Sid) }),
    Effect: String(raw.Effect),
    Action: asList(raw.Action),
    NotAction: asList(raw.NotAction),
    Resource: asList(raw.Resource),
    NotResource: asList(raw.NotResource),
    ...(raw.Principal === undefined ? {} : { Principal: raw.Principal }),
    ...(raw.Condition === undefined
      ? {}
      : { Condition: raw.Condition as Record<string, Record<string, unknown>> }),
    source,
  }));
}

const AWS_MANAGED_POLICY = /^arn:[^:]+:iam::aws:policy\//;

function isAttachedTo(role: InfraResource, reference: unknown): boolean {
  return [role.outputs.id, role.outputs.name, role.outputs.arn].includes(reference);
}

/**
 * Every identity-policy statement of a role: its inline policies, the aws.iam.RolePolicy resources
 * on it, and customer-managed aws.iam.Policy resources attached to it (by managedPolicyArns or an
 * aws.iam.RolePolicyAttachment). AWS-managed policies are not in the graph: managedPolicyArnsOf.
 */
export function roleStatements(graph: InfraGraph, role: InfraResource): PolicyStatement[] {
  const inline = ((role.inputs.inlinePolicies as { name?: string; policy?: unknown }[]) ?? [])
    .filter((entry) => entry.policy)
    .flatMap((entry) =>
      parsePolicy(entry.policy, `${role.name} inline policy "${entry.name ?? ""}"`),
    );
  const rolePolicies = resourcesOfType(graph, TYPES.rolePolicy)
    .filter((policy) => isAttachedTo(role, policy.inputs.role))
    .flatMap((policy) => parsePolicy(policy.inputs.policy, `RolePolicy ${policy.name}`));
  const managed = attachedPolicyArns(graph, role).flatMap((arn) => {
    const policy = resourceWithOutput(graph, "arn", arn, TYPES.policy);
    return policy ? parsePolicy(policy.inputs.policy, `Policy ${policy.name}`) : [];
  });
  return [...inline, ...rolePolicies, ...managed];
}

/** The flattened IAM statements that apply to a function's role (see roleStatements). */
export function policyStatementsOf(graph: InfraGraph, functionName: string): PolicyStatement[] {
  return roleStatements(graph, roleOf(graph, functionName));
}

/** The ARNs of the managed policies attached to a role (managedPolicyArns, RolePolicyAttachment). */
export function attachedPolicyArns(graph: InfraGraph, role: InfraResource): string[] {
  return [
    ...asList(role.inputs.managedPolicyArns),
    ...resourcesOfType(graph, TYPES.rolePolicyAttachment)
      .filter((attachment) => isAttachedTo(role, attachment.inputs.role))
      .map((attachment) => String(attachment.inputs.policyArn)),
  ];
}

/** The AWS-managed policies on a function's role, e.g. AWSLambdaBasicExecutionRole's ARN. */
export function managedPolicyArnsOf(graph: InfraGraph, functionName: string): string[] {
  return attachedPolicyArns(graph, roleOf(graph, functionName)).filter((arn) =>
    AWS_MANAGED_POLICY.test(arn),
  );
}

/** A role's trust policy (who may assume it). */
export function trustStatements(role: InfraResource): PolicyStatement[] {
  return parsePolicy(role.inputs.assumeRolePolicy, `${role.name} trust policy`);
}

/** The trust policy of a function's role. */
export function trustStatementsOf(graph: InfraGraph, functionName: string): PolicyStatement[] {
  return trustStatements(roleOf(graph, functionName));
}

/** Sorted distinct actions of Allow statements, e.g. for `expect(...).toEqual([...])`. */
export function allowedActions(statements: readonly PolicyStatement[]): string[] {
  const actions = statements.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action);
  return [...new Set(actions)].sort();
}

/** The Allow statements granting `action` exactly (no wildcard matching). */
export function statementsAllowing(
  statements: readonly PolicyStatement[],
  action: string,
): PolicyStatement[] {
  return statements.filter((s) => s.Effect === "Allow" && s.Action.includes(action));
}

/** Whether an IAM action is a pattern rather than one action: "*", "dynamodb:*", "ses:Send*". */
export function isWildcardAction(action: string): boolean {
  return action.includes("*") || action.includes("?");
}

/**
 * `value` with every ARN of a resource in the graph written `{LogicalName.arn}`, so assertions
 * need not know the random suffixes of physical names: a statement on the table's indexes reads
 * `{TableTable.arn}/index/due`. Longer ARNs are replaced first.
 */
export function symbolicArn(graph: InfraGraph, value: string): string {
  const arns = graph.resources
    .filter((resource) => resource.custom && typeof resource.outputs.arn === "string")
    .map((resource) => [resource.outputs.arn as string, `{${resource.name}.arn}`] as const)
    .sort(([a], [b]) => b.length - a.length);
  let result = value;
  for (const [arn, symbol] of arns) result = result.split(arn).join(symbol);
  return result;
}

/** Statements with their Resource and NotResource lists written by symbolicArn. */
export function withSymbolicArns(
  graph: InfraGraph,
  statements: readonly PolicyStatement[],
): PolicyStatement[] {
  return statements.map((statement) => ({
    ...statement,
    Resource: statement.Resource.map((arn) => symbolicArn(graph, arn)),
    NotResource: statement.NotResource.map((arn) => symbolicArn(graph, arn)),
  }));
}

export interface PolicyDocument {
  kind: "identity" | "trust" | "resource";
  /** The resource the document is an input of. */
  owner: InfraResource;
  statements: PolicyStatement[];
}

/**
 * Every policy document in the graph: identity policies (roles' inline policies, RolePolicy,
 * Policy, UserPolicy), trust policies (roles' assumeRolePolicy), and resource policies (SQS, SNS,
 * S3 bucket policies). For graph-wide rules such as "no identity policy allows a wildcard action".
 */
export function policyDocuments(graph: InfraGraph): PolicyDocument[] {
  const documents: PolicyDocument[] = [];
  for (const owner of graph.resources) {
    const add = (kind: PolicyDocument["kind"], document: unknown, source: string) => {
      if (document) documents.push({ kind, owner, statements: parsePolicy(document, source) });
    };
    switch (owner.type) {
      case TYPES.role:
        add("trust", owner.inputs.assumeRolePolicy, `${owner.name} trust policy`);
        for (const entry of (owner.inputs.inlinePolicies as {
          name?: string;
          policy?: unknown;
        }[]) ?? []) {
          add("identity", entry.policy, `${owner.name} inline policy "${entry.name ?? ""}"`);
        }
        break;
      case TYPES.rolePolicy:
      case TYPES.policy:
      case "aws:iam/userPolicy:UserPolicy":
        add("identity", owner.inputs.policy, `${owner.type} ${owner.name}`);
        break;
      case TYPES.queuePolicy:
      case TYPES.topicPolicy:
      case TYPES.bucketPolicy:
        add("resource", owner.inputs.policy, `${owner.type} ${owner.name}`);
        break;
    }
  }
  return documents;
}

// ---- API Gateway v2 ----

function apiOf(graph: InfraGraph, apiName?: string): InfraResource {
  if (apiName === undefined) return onlyResource(graph, TYPES.api);
  // Either the aws.apigatewayv2.Api's logical name or the sst.aws.ApiGatewayV2's ("Api").
  const direct = findResource(graph, TYPES.api, apiName);
  if (direct) return direct;
  const component = findResource(graph, "sst:aws:ApiGatewayV2", apiName);
  const child = component && childrenOf(graph, component).find((r) => r.type === TYPES.api);
  if (!child) throw new Error(`no HTTP API named ${apiName}`);
  return child;
}

/**
 * The HTTP API's CORS configuration (its `corsConfiguration` input), or undefined when it has
 * none: no input, or the empty object sst.aws.ApiGatewayV2 sends for `cors: false`, which
 * configures no origin, so API Gateway adds no CORS headers.
 */
export function apiCorsOf(
  graph: InfraGraph,
  apiName?: string,
): Record<string, unknown> | undefined {
  const cors = apiOf(graph, apiName).inputs.corsConfiguration as
    | Record<string, unknown>
    | undefined;
  return cors && Object.keys(cors).length > 0 ? cors : undefined;
}

/** The stages of the HTTP API. */
export function apiStagesOf(graph: InfraGraph, apiName?: string): InfraResource[] {
  const api = apiOf(graph, apiName);
  return resourcesOfType(graph, TYPES.apiStage).filter(
    (stage) => stage.inputs.apiId === api.outputs.id,
  );
}

/**
 * The access-log format of the API's only stage (SST creates `$default`), as configured: a string,
 * for SST a JSON object of `$context` variables. Undefined when the stage logs no access.
 */
export function accessLogFormatOf(graph: InfraGraph, apiName?: string): string | undefined {
  const stages = apiStagesOf(graph, apiName);
  if (stages.length !== 1) throw new Error(`expected one stage, found ${stages.length}`);
  const settings = stages[0]?.inputs.accessLogSettings as { format?: string } | undefined;
  return settings?.format;
}

/** The `$context` variables an access-log format records, e.g. ["$context.path", ...]. */
export function contextVariablesOf(format: string): string[] {
  return [...new Set(format.match(/\$context\.[A-Za-z0-9_.]+/g) ?? [])].sort();
}
