import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { TABLE_INDEX_NAMES, TableAttributeTypes, TableSchema } from "@signoff/core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  accessLogFormatOf,
  allowedActions,
  apiCorsOf,
  apiStagesOf,
  childrenOf,
  contextVariablesOf,
  evaluateInfra,
  findResource,
  functionNames,
  getResource,
  type InfraGraph,
  type InfraResource,
  isWildcardAction,
  lambdaOf,
  linksOf,
  managedPolicyArnsOf,
  onlyResource,
  parsePolicy,
  policyDocuments,
  policyStatementsOf,
  resourcesOfType,
  roleOf,
  roleStatements,
  statementsAllowing,
  symbolicArn,
  TYPES,
  trustStatementsOf,
  withSymbolicArns,
} from "./infra-graph.ts";
import { ROOT } from "./run-tool.ts";

// Each evaluation is a child process: ~1 s to load Pulumi and @pulumi/aws, ~1.5 s to run the
// program. Three run side by side here; the margin is for a loaded CI machine.
const EVALUATION_TIMEOUT_MS = 120_000;

let ci: InfraGraph;
let production: InfraGraph;
let missingSender: unknown;

beforeAll(async () => {
  const install = inject("sstInstall");
  if (install.code !== 0) throw new Error(`sst install failed:\n${install.output}`);
  [ci, production, missingSender] = await Promise.all([
    evaluateInfra({ stage: "ci" }),
    evaluateInfra({ stage: "production" }),
    evaluateInfra({ stage: "ci", env: {} }).then(
      () => undefined,
      (error: unknown) => error,
    ),
  ]);
}, EVALUATION_TIMEOUT_MS);

/** The names infra/functions.ts gives its sst.aws.Functions, read from the source. */
async function functionsInSource(): Promise<string[]> {
  const source = await readFile(join(ROOT, "infra/functions.ts"), "utf8");
  return Array.from(source.matchAll(/new sst\.aws\.Function\(\s*"(\w+)"/g), (match) => match[1]!);
}

/** Lambda's handler for an SST handler (pkg/runtime/node): dots in the file name become dashes. */
function lambdaHandlerFor(handler: string): string {
  const dir = dirname(handler);
  const file = basename(handler, extname(handler)).replaceAll(".", "-");
  return `${join(dir, file)}${extname(handler)}`;
}

describe("sst.config.ts evaluated offline (Pulumi mocks, stage ci)", () => {
  it("returns run()'s outputs, resolved from the resources they name", () => {
    const stateMachine = getResource(ci, TYPES.stateMachine, "ApprovalDemo");
    expect(ci.outputs).toMatchObject({
      // sst.aws.ApiGatewayV2's url: the API's endpoint (no custom domain).
      api: onlyResource(ci, TYPES.api).outputs.apiEndpoint,
      stateMachine: stateMachine.outputs.arn,
      requestApprovalFunction: lambdaOf(ci, "RequestApproval").outputs.arn,
      _protect: false,
    });
  });

  it("creates a Lambda function, Node.js 22 on arm64, for every sst.aws.Function in infra/functions.ts", async () => {
    const names = await functionsInSource();
    expect(names).toContain("RequestApproval");
    expect(functionNames(ci)).toEqual(expect.arrayContaining(names));
    for (const name of names) {
      const build = ci.rpcCalls.find(
        (call) =>
          call.method === "Runtime.Build" &&
          (call.args as { functionID: string }).functionID === name,
      );
      const handler = (build?.args as { handler?: string } | undefined)?.handler;
      expect(handler, `${name}'s handler`).toMatch(
        /^packages\/functions\/src\/handlers\/.+\.handler$/,
      );
      const file = `${join(ROOT, dirname(handler!), basename(handler!, extname(handler!)))}.ts`;
      expect(existsSync(file), `${file} exists`).toBe(true);

      const lambda = lambdaOf(ci, name);
      expect(lambda.inputs, name).toMatchObject({
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        packageType: "Zip",
        handler: lambdaHandlerFor(handler!),
        role: roleOf(ci, name).outputs.arn,
      });
    }
  });

  it("defines the state machine as infra/workflows/approval-demo.asl.json with the request-approval function's ARN", async () => {
    const asl = await readFile(join(ROOT, "infra/workflows/approval-demo.asl.json"), "utf8");
    const arn = lambdaOf(ci, "RequestApproval").outputs.arn as string;
    expect(arn).toMatch(/^arn:aws:lambda:us-east-1:123456789012:function:/);
    const stateMachine = getResource(ci, TYPES.stateMachine, "ApprovalDemo");
    expect(stateMachine.inputs.definition).toBe(
      asl.replaceAll(/\$\{RequestApprovalFunctionArn\}/g, arn),
    );
    expect(stateMachine.inputs.type).toBe("STANDARD");
  });

  it("gives the table the keys, attributes and indexes of packages/core/src/table-schema.ts", () => {
    const table = childrenOf(ci, getResource(ci, "sst:aws:Dynamo", "Table")).find(
      (child) => child.type === TYPES.table,
    ) as InfraResource;
    expect(table.inputs).toMatchObject({
      hashKey: TableSchema.partitionKey,
      rangeKey: TableSchema.sortKey,
      billingMode: "PAY_PER_REQUEST",
    });
    expect(table.inputs.attributes).toEqual(
      expect.arrayContaining(
        Object.entries(TableAttributeTypes).map(([name, type]) => ({ name, type })),
      ),
    );
    const indexes = new Map(
      (table.inputs.globalSecondaryIndexes as { name: string }[]).map((index) => [
        index.name,
        index,
      ]),
    );
    expect([...indexes.keys()].sort()).toEqual([...TABLE_INDEX_NAMES].sort());
    const { dueIndex, executionIndex, listIndex, listStatusIndex } = TableSchema;
    expect(indexes.get(dueIndex.name)).toMatchObject({
      hashKey: dueIndex.partitionKey,
      rangeKey: dueIndex.sortKey,
      projectionType: "KEYS_ONLY",
    });
    for (const index of [executionIndex, listIndex, listStatusIndex]) {
      expect(indexes.get(index.name), index.name).toMatchObject({
        hashKey: index.partitionKey,
        ...("sortKey" in index ? { rangeKey: index.sortKey } : {}),
        projectionType: "INCLUDE",
        nonKeyAttributes: [...index.projectedAttributes],
      });
    }
  });

  it("stops with the config's own message when a required setting is missing", () => {
    expect(missingSender).toBeInstanceOf(Error);
    expect(String((missingSender as Error).message)).toContain("SIGNOFF_SENDER");
  });
});

describe("sst.config.ts evaluated offline for stage production", () => {
  it("keeps the table on removal and protects it from deletion", () => {
    const table = resourcesOfType(production, TYPES.table);
    expect(table).toHaveLength(1);
    expect(table[0]?.inputs.deletionProtectionEnabled).toBe(true);
    expect(table[0]?.options.retainOnDelete).toBe(true);
    expect(production.app).toMatchObject({ stage: "production", removal: "retain", protect: true });
    expect(production.outputs._protect).toBe(true);
  });

  it("names resources for the stage", () => {
    expect(lambdaOf(production, "RequestApproval").inputs.name).toMatch(
      /^signoff-production-RequestApprovalFunction-/,
    );
    expect(lambdaOf(ci, "RequestApproval").inputs.name).toMatch(
      /^signoff-ci-RequestApprovalFunction-/,
    );
  });
});

/**
 * How SST expresses a function's permissions, as the graph shows it. These check that the
 * helpers read the right inputs; they are not requirements on the infra (see README: Deploy to
 * AWS for those). What the graph shows:
 * - Each sst.aws.Function gets its own aws:iam/role:Role (`<Name>Role`, a child of the component).
 *   `permissions` and the grants of everything in `link` become ONE inline policy named "inline"
 *   on that role (`inlinePolicies[0].policy`), rendered by aws.iam.getPolicyDocument: one value
 *   per list is written as a string, several are sorted in reverse. No aws:iam/rolePolicy.
 * - `link` adds statements: sst.aws.Dynamo `dynamodb:*` on the table and `table/*`; sst.aws.Email
 *   `ses:*` on the identity and configuration set plus SendEmail/SendRawEmail/SendTemplatedEmail
 *   on "*"; sst.aws.Function `lambda:InvokeFunction`; sst.Secret and sst.aws.ApiGatewayV2 none.
 * - managedPolicyArns carries AWSLambdaBasicExecutionRole while logging is on (the default).
 * - SST's own trust policy allows lambda.amazonaws.com AND the account root: function.ts tests
 *   `!dev` on an Output, which is always false, so it always takes the `sst dev` branch.
 *   infra/functions.ts replaces it through `transform.role` (infra-requirements.test.ts).
 * - Roles outside functions (the state machine's, the schedule's) carry their own inline
 *   policies or aws:iam/rolePolicy resources; roleStatements reads both.
 */
describe("IAM as the graph shows it (helper checks)", () => {
  it("policyStatementsOf finds the SendTaskSuccess statement of ApiFunction", () => {
    const statements = policyStatementsOf(ci, "ApiFunction");
    const sendTaskSuccess = statementsAllowing(statements, "states:SendTaskSuccess");
    expect(sendTaskSuccess).toHaveLength(1);
    expect(sendTaskSuccess[0]).toMatchObject({
      Effect: "Allow",
      source: expect.stringContaining("ApiFunctionRole"),
    });
    expect(allowedActions(statements)).toContain("states:SendTaskSuccess");
  });

  it("policyStatementsOf reads every statement of the role's inline policy, each list a list", () => {
    for (const name of functionNames(ci)) {
      const role = roleOf(ci, name);
      expect(role.parent, `${name}'s role is the component's`).toBe(
        getResource(ci, TYPES.sstFunction, name).urn,
      );
      const inline = (role.inputs.inlinePolicies as { policy: string }[]).flatMap(
        (entry) => (JSON.parse(entry.policy) as { Statement: unknown[] }).Statement,
      );
      const statements = policyStatementsOf(ci, name);
      expect(statements.filter((s) => s.source.includes("inline policy"))).toHaveLength(
        inline.length,
      );
      for (const statement of statements) {
        expect(Array.isArray(statement.Action) && Array.isArray(statement.Resource)).toBe(true);
      }
    }
  });

  it("managedPolicyArnsOf lists the AWS-managed policies SST attaches", () => {
    expect(managedPolicyArnsOf(ci, "ApiFunction")).toContain(
      "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    );
  });

  it("trustStatementsOf reads who may assume a function's role", () => {
    const trust = trustStatementsOf(ci, "ApiFunction");
    expect(trust[0]).toMatchObject({ Effect: "Allow", Action: ["sts:AssumeRole"] });
    expect(trust[0]?.Principal).toMatchObject({ Service: "lambda.amazonaws.com" });
  });

  it("roleStatements reads aws.iam.RolePolicy resources: the state machine may invoke the request-approval function", () => {
    const stateMachine = getResource(ci, TYPES.stateMachine, "ApprovalDemo");
    const role = resourcesOfType(ci, TYPES.role).find(
      (r) => r.outputs.arn === stateMachine.inputs.roleArn,
    ) as InfraResource;
    const invoke = statementsAllowing(roleStatements(ci, role), "lambda:InvokeFunction");
    expect(invoke.flatMap((s) => withSymbolicArns(ci, [s])[0]!.Resource)).toContain(
      "{RequestApprovalFunction.arn}",
    );
  });

  it("policyDocuments lists the trust and identity policy of every role", () => {
    const documents = policyDocuments(ci);
    for (const role of resourcesOfType(ci, TYPES.role)) {
      const kinds = documents.filter((d) => d.owner === role).map((d) => d.kind);
      expect(kinds, role.name).toContain("trust");
    }
    const identity = documents.filter((d) => d.kind === "identity");
    expect(identity.map((d) => d.owner.name)).toEqual(
      expect.arrayContaining(functionNames(ci).map((name) => roleOf(ci, name).name)),
    );
    // What a graph-wide rule looks like: the wildcard actions, if any, with where they are.
    const wildcards = identity.flatMap((d) =>
      d.statements.flatMap((s) =>
        s.Action.filter(isWildcardAction).map((a) => `${s.source}: ${a}`),
      ),
    );
    expect(Array.isArray(wildcards)).toBe(true);
  });

  it("linksOf names what each function is linked to, with SST's type", () => {
    for (const name of functionNames(ci)) {
      for (const type of Object.values(linksOf(ci, name))) {
        expect(type).toMatch(/^sst\.(aws|sst)\.\w+$/);
      }
    }
  });
});

describe("API Gateway as the graph shows it (helper checks)", () => {
  it("apiCorsOf reads the HTTP API's corsConfiguration", () => {
    const api = onlyResource(ci, TYPES.api);
    const cors = api.inputs.corsConfiguration as Record<string, unknown> | undefined;
    expect(apiCorsOf(ci)).toEqual(cors && Object.keys(cors).length > 0 ? cors : undefined);
    expect(apiCorsOf(ci, "Api")).toEqual(apiCorsOf(ci));
  });

  it("accessLogFormatOf reads the $default stage's access log format", () => {
    const stages = apiStagesOf(ci);
    expect(stages.map((stage) => stage.inputs.name)).toEqual(["$default"]);
    const format = accessLogFormatOf(ci);
    expect(format).toBe((stages[0]!.inputs.accessLogSettings as { format: string }).format);
    expect(contextVariablesOf(format!)).toContain("$context.requestId");
  });

  it("routes $default to ApiFunction", () => {
    const route = resourcesOfType(ci, TYPES.apiRoute).find((r) => r.inputs.routeKey === "$default");
    const integration = resourcesOfType(ci, TYPES.apiIntegration).find(
      (r) => r.inputs.apiId === onlyResource(ci, TYPES.api).outputs.id,
    );
    expect(route).toBeDefined();
    expect(integration?.inputs.integrationUri).toBe(lambdaOf(ci, "ApiFunction").outputs.arn);
  });
});

describe("the graph helpers on a graph written by hand", () => {
  const resource = (type: string, name: string, fields: Partial<InfraResource>): InfraResource => ({
    type,
    name,
    urn: `urn:pulumi:test::app::${type}::${name}`,
    custom: true,
    dependencies: [],
    options: { protect: false, retainOnDelete: false, ignoreChanges: [] },
    inputs: {},
    outputs: {},
    ...fields,
  });
  const roleArn = "arn:aws:iam::123456789012:role/fn-role";
  const tableArn = "arn:aws:dynamodb:us-east-1:123456789012:table/t-1";
  const graph: InfraGraph = {
    stage: "test",
    app: {},
    outputs: {},
    invokes: [],
    rpcCalls: [],
    diagnostics: [],
    timings: {},
    resources: [
      resource(TYPES.lambda, "Fn", { inputs: { role: roleArn } }),
      resource(TYPES.role, "FnRole", {
        inputs: {
          inlinePolicies: [
            {
              name: "inline",
              policy: JSON.stringify({
                Statement: { Effect: "Allow", Action: "dynamodb:*", Resource: `${tableArn}/*` },
              }),
            },
          ],
          managedPolicyArns: [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::123456789012:policy/p",
          ],
        },
        outputs: { arn: roleArn, name: "fn-role", id: "fn-role" },
      }),
      resource(TYPES.rolePolicy, "Extra", {
        inputs: {
          role: "fn-role",
          policy: { Statement: [{ Effect: "Deny", NotAction: ["s3:*"], Resource: "*" }] },
        },
      }),
      resource(TYPES.policy, "P", {
        inputs: {
          policy: JSON.stringify({
            Statement: [{ Effect: "Allow", Action: ["sqs:SendMessage"], Resource: ["q"] }],
          }),
        },
        outputs: { arn: "arn:aws:iam::123456789012:policy/p" },
      }),
      resource(TYPES.table, "T", { outputs: { arn: tableArn } }),
      resource(TYPES.api, "A", { inputs: { corsConfiguration: {} }, outputs: { id: "a1" } }),
    ],
  };

  it("policyStatementsOf combines the inline policy, RolePolicy resources and attached customer policies", () => {
    const statements = policyStatementsOf(graph, "Fn");
    expect(statements.map((s) => [s.Effect, s.Action, s.NotAction, s.Resource])).toEqual([
      ["Allow", ["dynamodb:*"], [], [`${tableArn}/*`]],
      ["Deny", [], ["s3:*"], ["*"]],
      ["Allow", ["sqs:SendMessage"], [], ["q"]],
    ]);
    expect(allowedActions(statements)).toEqual(["dynamodb:*", "sqs:SendMessage"]);
    expect(managedPolicyArnsOf(graph, "Fn")).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    expect(withSymbolicArns(graph, statements)[0]?.Resource).toEqual(["{T.arn}/*"]);
    expect(symbolicArn(graph, `${tableArn}/index/due`)).toBe("{T.arn}/index/due");
  });

  it("isWildcardAction spots patterns, not plain actions", () => {
    expect(["*", "dynamodb:*", "ses:Send*", "s3:Get?bject"].map(isWildcardAction)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(isWildcardAction("dynamodb:GetItem")).toBe(false);
  });

  it("parsePolicy takes a JSON string or an object, one statement or several", () => {
    expect(parsePolicy('{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"r"}}')).toEqual([
      {
        Effect: "Allow",
        Action: ["a:b"],
        NotAction: [],
        Resource: ["r"],
        NotResource: [],
        source: "policy",
      },
    ]);
    expect(parsePolicy({ Version: "2012-10-17", Statement: [] })).toEqual([]);
  });

  it("apiCorsOf treats SST's `cors: false` (an empty configuration) as no CORS", () => {
    expect(apiCorsOf(graph)).toBeUndefined();
    expect(findResource(graph, TYPES.api, "A")).toBeDefined();
  });

  it("contextVariablesOf lists the variables of an access-log format once each, sorted", () => {
    const format = JSON.stringify({
      a: "$context.path",
      b: "$context.requestId",
      c: "$context.path",
    });
    expect(contextVariablesOf(format)).toEqual(["$context.path", "$context.requestId"]);
  });
});
