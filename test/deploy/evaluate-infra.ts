/**
 * Evaluates sst.config.ts's run() offline, as `sst deploy` would, and writes every resource the
 * program registers (type, name, URN, parent, resolved inputs, mocked outputs) as JSON. Run by
 * infra-graph.ts in a child process: `node --import tsx test/deploy/evaluate-infra.ts --stage ci
 * --out graph.json`, with the stage's settings (SIGNOFF_SENDER, ...) in the environment.
 *
 * What is real: SST's own build of the program (the same esbuild options, defines, injected shim
 * and provider globals as SST's Go CLI, pkg/js/js.go and pkg/project/run.go), SST's components in
 * .sst/platform/src, and the @pulumi/pulumi and @pulumi/aws that `sst install` put in
 * .sst/platform/node_modules. What is stubbed, each at its narrowest point:
 * - Pulumi's engine and the cloud providers: `pulumi.runtime.setMocks`. Resources are not
 *   created; each gets plausible outputs (ARNs built from its type and name, account
 *   123456789012, region us-east-1), and the few data-source invokes SST uses are answered here.
 * - SST's CLI, which components reach over HTTP RPC at $SST_SERVER: a local fake answering
 *   `Provider.Aws.Bootstrap` (the asset bucket's name) and `Runtime.Build` (it resolves the
 *   handler file and derives Lambda's handler string as SST's node runtime does, but does not
 *   bundle: the code archive holds a placeholder). Any other method fails the evaluation.
 */

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, extname, isAbsolute, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { build, type Plugin } from "esbuild";
import { type InfraGraph, type InfraResource, MOCK_ACCOUNT, MOCK_REGION } from "./infra-graph.ts";
import { ROOT } from "./run-tool.ts";
import { PLATFORM_DIR as PLATFORM } from "./sst-platform.ts";

const PARTITION = "aws";

// ---- Minimal views of the Pulumi SDK (loaded from the platform at run time) ----

interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
  custom?: boolean;
  id?: string;
}
interface MockCallArgs {
  token: string;
  inputs: Record<string, unknown>;
  provider?: string;
}
interface Mocks {
  newResource(args: MockResourceArgs): { id: string | undefined; state: Record<string, unknown> };
  call(args: MockCallArgs): Record<string, unknown>;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList?(): string[];
  getProtect?(): boolean;
  getRetainondelete?(): boolean;
  getIgnorechangesList?(): string[];
}
interface MonitorPrototype {
  registerResource(req: RegisterRequest, callback: unknown): Promise<void>;
  readResource(req: RegisterRequest, callback: unknown): Promise<void>;
  newUrn(parent: string, type: string, name: string): string;
}
interface PulumiSdk {
  runtime: {
    setMocks(
      mocks: Mocks,
      project?: string,
      stack?: string,
      preview?: boolean,
      organization?: string,
    ): Promise<void>;
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
    waitForRPCs(): Promise<void>;
  };
  Resource: { isInstance(value: unknown): boolean };
  asset: {
    Asset: { isInstance(value: unknown): boolean };
    Archive: { isInstance(value: unknown): boolean };
  };
}

// ---- Arguments and app ----

interface SstApp {
  name: string;
  home?: string;
  removal?: string;
  protect?: boolean;
  providers?: Record<string, unknown>;
}
interface SstConfig {
  app(input: { stage: string }): SstApp | Promise<SstApp>;
}

const { values: argv } = parseArgs({
  options: { stage: { type: "string", default: "ci" }, out: { type: "string" } },
});
const stage = argv.stage ?? "ci";
if (!argv.out) throw new Error("evaluate-infra: --out <file> is required");
const outFile = argv.out;

const timings: Record<string, number> = {};
const started = performance.now();
function lap(label: string) {
  timings[label] = Math.round(performance.now() - started);
}

if (!existsSync(join(PLATFORM, "src", "auto", "run.ts"))) {
  throw new Error(
    `evaluate-infra: ${PLATFORM} is missing; run \`node node_modules/sst/bin/sst.mjs install --stage ci\``,
  );
}

// SST evaluates app() first (to learn the name, removal and providers), then builds run() with
// the result defined as $app. Here app() runs from the TypeScript source, $config the identity.
const globals = globalThis as { $config?: (config: SstConfig) => SstConfig };
globals.$config = (config) => config;
const configModule = (await import(join(ROOT, "sst.config.ts"))) as { default: SstConfig };
delete globals.$config;
const appConfig = await configModule.default.app({ stage });
const sstVersion = readFileSync(join(PLATFORM, "version"), "utf8").trim();
// As SST's Go CLI marshals it (pkg/project/project.go App); `home: "aws"` adds the aws provider.
const app = {
  name: appConfig.name,
  stage,
  removal: appConfig.removal ?? "retain",
  home: appConfig.home,
  version: sstVersion,
  protect: appConfig.protect ?? false,
  providers: {
    ...(appConfig.home === "aws" ? { aws: {} } : {}),
    ...appConfig.providers,
  },
};
lap("app");

// ---- Build the program as SST does (pkg/js/js.go Build + pkg/project/run.go) ----

const workDir = mkdtempSync(join(tmpdir(), "signoff-infra-eval-"));
const cli = {
  command: "deploy",
  dev: false,
  paths: { home: join(workDir, "home"), root: ROOT, work: workDir, platform: PLATFORM },
  state: { version: {} },
};

const providerLock = JSON.parse(readFileSync(join(ROOT, ".sst", "provider-lock.json"), "utf8")) as {
  alias: string;
  package: string;
}[];
const providerShim = [
  ...providerLock.map((entry) => `import * as ${entry.alias} from "${entry.package}";`),
  `import * as sst from "${join(PLATFORM, "src", "components")}";`,
].join("\n");

// SST prepends the provider imports to every file outside .sst, so `aws` and `sst` are in scope.
const injectGlobals: Plugin = {
  name: "InjectGlobals",
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, (args) => {
      const contents = readFileSync(args.path, "utf8");
      return {
        contents: args.path.includes(".sst") ? contents : `${providerShim}\n${contents}`,
        loader: "default",
      };
    });
  },
};

// Next to SST's own sst.config.<time>.mjs, so the externals resolve from the platform.
const bundleFile = join(PLATFORM, `sst.config.eval-${process.pid}-${Date.now()}.mjs`);
try {
  await build({
    banner: {
      js: [
        "import { createRequire as topLevelCreateRequire } from 'module';",
        "const require = topLevelCreateRequire(import.meta.url);",
        'import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"',
        "const __filename = topLevelFileUrlToPath(import.meta.url)",
        'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
      ].join("\n"),
    },
    mainFields: ["module", "main"],
    format: "esm",
    platform: "node",
    stdin: {
      // SST's entry is `await run(mod.run)`; the run is started below, inside the mocked stack.
      contents: [
        `import { run } from "${join(PLATFORM, "src", "auto", "run.ts")}";`,
        `import mod from "${join(ROOT, "sst.config.ts")}";`,
        "export { run, mod };",
      ].join("\n"),
      resolveDir: ROOT,
      sourcefile: "eval.ts",
      loader: "ts",
    },
    nodePaths: [join(PLATFORM, "node_modules")],
    plugins: [injectGlobals],
    external: [
      "@pulumi/*",
      "undici",
      "@pulumiverse/*",
      "@sst-provider/*",
      "@aws-sdk/*",
      "esbuild",
      "archiver",
      "glob",
      "vite",
    ],
    define: {
      $app: JSON.stringify(app),
      $cli: JSON.stringify(cli),
      $dev: "false",
    },
    inject: [join(PLATFORM, "src", "shim", "run.js")],
    outfile: bundleFile,
    write: true,
    bundle: true,
    logLevel: "silent",
  });
} catch (error) {
  // An error in sst.config.ts or infra/ as esbuild reports it, file and line included.
  removeScratch();
  throw error;
}
lap("build");

function removeScratch() {
  rmSync(bundleFile, { force: true });
  rmSync(workDir, { recursive: true, force: true });
}
// infra-graph.ts kills an evaluation that outlives its timeout with SIGTERM.
process.once("SIGTERM", () => {
  removeScratch();
  process.exit(143);
});

// ---- The fake SST CLI endpoint ----

const rpcCalls: InfraGraph["rpcCalls"] = [];
const NODE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

interface BuildInput {
  functionID: string;
  handler: string;
  runtime: string;
  properties?: { format?: string };
}

/** pkg/runtime/node: the handler's file, and Lambda's handler string for the bundled file. */
function fakeRuntimeBuild(input: BuildInput) {
  if (!input.runtime.startsWith("node")) {
    throw new Error(`the fake Runtime.Build only knows Node.js, not ${input.runtime}`);
  }
  const dir = dirname(input.handler);
  const base = basename(input.handler).split(".").slice(0, -1).join(".");
  const file = NODE_EXTENSIONS.map((ext) => join(dir, base + ext))
    .map((candidate) => (isAbsolute(candidate) ? candidate : join(ROOT, candidate)))
    .find((candidate) => existsSync(candidate));
  if (!file) return { errors: [`Handler not found: ${input.handler}`] };
  const rel = relative(ROOT, file);
  const fileName = basename(rel, extname(rel)).replaceAll(".", "-");
  const path = join(dirname(rel), fileName);
  const extension = input.properties?.format === "cjs" ? ".cjs" : ".mjs";
  const out = join(workDir, "artifacts", `${input.functionID}-src`);
  mkdirSync(dirname(join(out, path)), { recursive: true });
  writeFileSync(
    join(out, path + extension),
    `// signoff infra evaluation: stands in for the bundle of ${rel}\n`,
  );
  return { handler: path + extname(input.handler), out, errors: [], sourcemaps: [] };
}

function answerRpc(method: string, args: unknown): unknown {
  switch (method) {
    case "Provider.Aws.Bootstrap": {
      const region = (args as { region?: string }).region ?? MOCK_REGION;
      return {
        asset: `sst-asset-mock-${region}`,
        assetEcrRegistryId: MOCK_ACCOUNT,
        assetEcrUrl: `${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/sst-asset`,
        state: `sst-state-mock-${region}`,
        appsyncHttp: "",
        appsyncRealtime: "",
      };
    }
    case "Runtime.Build":
      return fakeRuntimeBuild(args as BuildInput);
    default:
      // SST's rpc client turns this exact prefix into its MethodNotFoundError.
      throw new Error(`rpc: can't find method ${method} (the evaluation's fake SST CLI)`);
  }
}

const server: Server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString("utf8");
  });
  req.on("end", () => {
    let reply: { result?: unknown; error?: string };
    try {
      const { method, params } = JSON.parse(body) as { method: string; params: unknown[] };
      rpcCalls.push({ method, args: params[0] });
      reply = { result: answerRpc(method, params[0]) };
    } catch (error) {
      reply = { error: error instanceof Error ? error.message : String(error) };
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(reply));
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();
if (!address || typeof address === "string") throw new Error("evaluate-infra: no RPC address");
process.env.SST_SERVER = `http://127.0.0.1:${address.port}`;

// `sst deploy` passes each secret set with `sst secret set` as SST_SECRET_<Name>; sst.Secret reads
// it when constructed and throws without one. A secret the caller did not give gets a placeholder,
// so the graph does not depend on knowing every secret's name.
const SECRET_PREFIX = "SST_SECRET_";
const placeholderSecrets: string[] = [];
process.env = new Proxy(process.env, {
  get(target, key) {
    if (typeof key === "string" && key.startsWith(SECRET_PREFIX) && target[key] === undefined) {
      const name = key.slice(SECRET_PREFIX.length);
      if (!placeholderSecrets.includes(name)) placeholderSecrets.push(name);
      return `placeholder-${name}`;
    }
    return Reflect.get(target, key);
  },
});

/** Runtime.Build's `links` carry every linked secret's value; the graph keeps their names only. */
function redactSecrets(args: unknown): unknown {
  const links = (args as { links?: Record<string, Record<string, unknown>> } | null)?.links;
  if (!links) return args;
  return {
    ...(args as object),
    links: Object.fromEntries(
      Object.entries(links).map(([name, link]) => [
        name,
        link.type === "sst.sst.Secret" ? { ...link, value: "<secret>" } : link,
      ]),
    ),
  };
}

// ---- Pulumi mocks ----

const platformRequire = createRequire(join(PLATFORM, "package.json"));
const pulumi = platformRequire("@pulumi/pulumi") as PulumiSdk;
const MockMonitor = (
  platformRequire("@pulumi/pulumi/runtime/mocks") as {
    MockMonitor: { prototype: MonitorPrototype };
  }
).MockMonitor;
lap("load pulumi");

const resources: InfraResource[] = [];
const invokes: InfraGraph["invokes"] = [];
const diagnostics: string[] = [];

/** Plain JSON from what Pulumi hands the mocks: secrets unwrapped, assets as their paths. */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(plain);
  if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) {
    const { path, uri, text } = value as { path?: string; uri?: string; text?: string };
    return { asset: path ?? uri ?? (text === undefined ? null : "<text>") };
  }
  if (pulumi.Resource.isInstance(value)) {
    return { resource: (value as { __name?: string }).__name ?? null };
  }
  const record = value as Record<string, unknown>;
  // rpc.deserializeProperties keeps secrets as { "4dabf18193072939515e22adb298388d": "1b47...",
  // value }; the graph is for reading, so they become their values.
  if (record["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") {
    return plain(record.value);
  }
  return Object.fromEntries(
    Object.entries(record)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, plain(v)]),
  );
}

/** A stable lowercase alphanumeric id, like the random parts of AWS ids and Pulumi names. */
function shortHash(text: string, length: number): string {
  const digest = createHash("sha256").update(text).digest();
  return Array.from(digest.subarray(0, length), (byte) => (byte % 36).toString(36)).join("");
}

/** What a resource's physical name would be: the input SST sets, or Pulumi's auto-name. */
function physicalName(args: MockResourceArgs): string {
  // A resource read with .get() is named by the id it was read by.
  if (args.id) return args.id;
  const inputs = args.inputs;
  for (const key of ["name", "functionName", "configurationSetName", "emailIdentity", "bucket"]) {
    const value = inputs[key];
    if (typeof value === "string" && value) return value;
  }
  return `${args.name}-${shortHash(args.name, 7)}`;
}

const arnPrefix = (service: string, region = MOCK_REGION) =>
  `arn:${PARTITION}:${service}:${region}:${MOCK_ACCOUNT}`;

/** The computed outputs SST's components read from each kind of resource. */
function computedOutputs(args: MockResourceArgs): { id: string; state: Record<string, unknown> } {
  const name = physicalName(args);
  const [pkg = "", module = ""] = args.type.split(":");
  const service = module.split("/")[0] ?? "";
  switch (args.type) {
    case "aws:lambda/function:Function": {
      const arn = `${arnPrefix("lambda")}:function:${name}`;
      const invoke = (target: string) =>
        `arn:${PARTITION}:apigateway:${MOCK_REGION}:lambda:path/2015-03-31/functions/${target}/invocations`;
      return {
        id: name,
        state: {
          name,
          arn,
          invokeArn: invoke(arn),
          qualifiedArn: `${arn}:$LATEST`,
          qualifiedInvokeArn: invoke(`${arn}:$LATEST`),
          responseStreamingInvokeArn: `arn:${PARTITION}:apigateway:${MOCK_REGION}:lambda:path/2021-11-15/functions/${arn}/response-streaming-invocations`,
          version: "$LATEST",
          publish: args.inputs.publish ?? false,
          lastModified: "2025-01-01T00:00:00.000+0000",
        },
      };
    }
    case "aws:iam/role:Role":
      return {
        id: name,
        state: { name, arn: `arn:${PARTITION}:iam::${MOCK_ACCOUNT}:role/${name}`, uniqueId: name },
      };
    case "aws:iam/policy:Policy":
      return {
        id: `arn:${PARTITION}:iam::${MOCK_ACCOUNT}:policy/${name}`,
        state: { name, arn: `arn:${PARTITION}:iam::${MOCK_ACCOUNT}:policy/${name}` },
      };
    case "aws:iam/rolePolicy:RolePolicy":
      return { id: `${String(args.inputs.role)}:${name}`, state: { name } };
    case "aws:dynamodb/table:Table": {
      const arn = `${arnPrefix("dynamodb")}:table/${name}`;
      const stream = args.inputs.streamEnabled ? { streamArn: `${arn}/stream/2025-01-01` } : {};
      return { id: name, state: { name, arn, ...stream } };
    }
    case "aws:apigatewayv2/api:Api": {
      const id = shortHash(`api:${name}`, 10);
      return {
        id,
        state: {
          name,
          arn: `arn:${PARTITION}:apigateway:${MOCK_REGION}::/apis/${id}`,
          apiEndpoint: `https://${id}.execute-api.${MOCK_REGION}.amazonaws.com`,
          executionArn: `${arnPrefix("execute-api")}:${id}`,
        },
      };
    }
    case "aws:apigatewayv2/stage:Stage": {
      const apiId = String(args.inputs.apiId);
      const stageName = String(args.inputs.name ?? "$default");
      const path = stageName === "$default" ? "" : stageName;
      return {
        id: stageName,
        state: {
          name: stageName,
          arn: `arn:${PARTITION}:apigateway:${MOCK_REGION}::/apis/${apiId}/stages/${stageName}`,
          invokeUrl: `https://${apiId}.execute-api.${MOCK_REGION}.amazonaws.com/${path}`,
          executionArn: `${arnPrefix("execute-api")}:${apiId}/${stageName}`,
        },
      };
    }
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: name, state: { name, arn: `${arnPrefix("logs")}:log-group:${name}` } };
    case "aws:sesv2/emailIdentity:EmailIdentity":
      return { id: name, state: { arn: `${arnPrefix("ses")}:identity/${name}` } };
    case "aws:sesv2/configurationSet:ConfigurationSet":
      return { id: name, state: { arn: `${arnPrefix("ses")}:configuration-set/${name}` } };
    case "aws:sfn/stateMachine:StateMachine": {
      const arn = `${arnPrefix("states")}:stateMachine:${name}`;
      return { id: arn, state: { name, arn } };
    }
    case "aws:cloudwatch/eventRule:EventRule":
      return { id: name, state: { name, arn: `${arnPrefix("events")}:rule/${name}` } };
    case "aws:scheduler/schedule:Schedule":
      return {
        id: `default/${name}`,
        state: { name, arn: `${arnPrefix("scheduler")}:schedule/default/${name}` },
      };
    case "aws:sqs/queue:Queue":
      return {
        id: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${name}`,
        state: {
          name,
          arn: `${arnPrefix("sqs")}:${name}`,
          url: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${name}`,
        },
      };
    case "aws:sns/topic:Topic": {
      const arn = `${arnPrefix("sns")}:${name}`;
      return { id: arn, state: { name, arn } };
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { id: name, state: { name, arn: `${arnPrefix("cloudwatch")}:alarm:${name}` } };
    case "random:index/randomBytes:RandomBytes": {
      const length = Number(args.inputs.length ?? 32);
      const bytes = Buffer.alloc(length, 7);
      return {
        id: "mock",
        state: { base64: bytes.toString("base64"), hex: bytes.toString("hex") },
      };
    }
    default:
      if (!args.custom || pkg !== "aws") return { id: `${args.name}-id`, state: {} };
      return {
        id: name,
        state: { arn: `${arnPrefix(service)}:${module.split(":")[0] ?? service}/${name}` },
      };
  }
}

/** The IAM JSON the aws_iam_policy_document data source renders (terraform-provider-aws). */
function renderPolicyDocument(inputs: Record<string, unknown>) {
  const list = (values: unknown) => {
    const items = (values as string[] | undefined) ?? [];
    // policyDecodeConfigStringList: one value as a string, several sorted in reverse.
    return items.length === 1 ? items[0] : [...items].sort().reverse();
  };
  type Principal = { type: string; identifiers: string[] };
  type Condition = { test: string; variable: string; values: string[] };
  const principals = (value: unknown) => {
    const items = value as Principal[] | undefined;
    if (!items?.length) return undefined;
    if (items.length === 1 && items[0]?.type === "*") return "*";
    return Object.fromEntries(items.map((p) => [p.type, list(p.identifiers)]));
  };
  const statements = ((inputs.statements as Record<string, unknown>[] | undefined) ?? []).map(
    (s) => {
      const conditions = s.conditions as Condition[] | undefined;
      const statement: Record<string, unknown> = {
        Sid: s.sid || undefined,
        Effect: s.effect ?? "Allow",
        Action: s.actions && (s.actions as string[]).length ? list(s.actions) : undefined,
        NotAction:
          s.notActions && (s.notActions as string[]).length ? list(s.notActions) : undefined,
        Resource: s.resources && (s.resources as string[]).length ? list(s.resources) : undefined,
        NotResource:
          s.notResources && (s.notResources as string[]).length ? list(s.notResources) : undefined,
        Principal: principals(s.principals),
        NotPrincipal: principals(s.notPrincipals),
        Condition: conditions?.length
          ? conditions.reduce<Record<string, Record<string, unknown>>>((acc, c) => {
              acc[c.test] = { ...acc[c.test], [c.variable]: list(c.values) };
              return acc;
            }, {})
          : undefined,
      };
      return Object.fromEntries(Object.entries(statement).filter(([, v]) => v !== undefined));
    },
  );
  const document = { Version: inputs.version ?? "2012-10-17", Statement: statements };
  return {
    ...inputs,
    id: shortHash(JSON.stringify(document), 10),
    json: JSON.stringify(document, null, 2),
    minifiedJson: JSON.stringify(document),
  };
}

function answerInvoke(args: MockCallArgs): Record<string, unknown> {
  switch (args.token) {
    case "aws:index/getRegion:getRegion":
      return {
        id: MOCK_REGION,
        name: MOCK_REGION,
        region: MOCK_REGION,
        description: "US East (N. Virginia)",
        endpoint: `ec2.${MOCK_REGION}.amazonaws.com`,
      };
    case "aws:index/getPartition:getPartition":
      return {
        id: PARTITION,
        partition: PARTITION,
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        id: MOCK_ACCOUNT,
        accountId: MOCK_ACCOUNT,
        arn: `arn:${PARTITION}:iam::${MOCK_ACCOUNT}:user/signoff-ci`,
        userId: "AIDAMOCKUSERID",
      };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return renderPolicyDocument(args.inputs);
    default:
      throw new Error(`evaluate-infra: no mock answer for the invoke ${args.token}`);
  }
}

// URNs as the engine makes them (pkg/resource/deploy: generateURN): the parent's whole qualified
// type, except the root stack's, which is left out. The mock monitor prefixes the stack's type to
// top-level resources and only the last segment of a parent's; SST reads link types from URNs.
MockMonitor.prototype.newUrn = (parent, type, name) => {
  const parentType = parent ? (parent.split("::")[2] ?? "") : "";
  const qualified =
    parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stage}::${app.name}::${qualified}::${name}`;
};

// The monitor hands the mocks neither the parent nor the dependencies; note them per request.
// Both methods call mocks.newResource synchronously, before their first await.
let pending:
  | (Pick<InfraResource, "urn" | "parent" | "dependencies" | "options"> & { read: boolean })
  | undefined;
for (const method of ["registerResource", "readResource"] as const) {
  const original = MockMonitor.prototype[method];
  MockMonitor.prototype[method] = function (this: MonitorPrototype, req, callback) {
    pending = {
      urn: this.newUrn(req.getParent(), req.getType(), req.getName()),
      parent: req.getParent() || undefined,
      dependencies: req.getDependenciesList?.() ?? [],
      options: {
        protect: req.getProtect?.() ?? false,
        retainOnDelete: req.getRetainondelete?.() ?? false,
        ignoreChanges: req.getIgnorechangesList?.() ?? [],
      },
      read: method === "readResource",
    };
    try {
      return original.call(this, req, callback);
    } finally {
      pending = undefined;
    }
  };
}

await pulumi.runtime.setMocks(
  {
    newResource(args) {
      const context = pending;
      if (!context) throw new Error(`evaluate-infra: ${args.type} ${args.name} outside a request`);
      const inputs = plain(args.inputs) as Record<string, unknown>;
      const computed = computedOutputs({ ...args, inputs });
      const id = args.id || computed.id;
      const state = { ...inputs, ...computed.state, id };
      resources.push({
        type: args.type,
        name: args.name,
        urn: context.urn,
        custom: args.custom ?? false,
        parent: context.parent,
        dependencies: context.dependencies,
        options: context.options,
        inputs,
        outputs: state,
        ...(context.read ? { readId: args.id } : {}),
      });
      return { id: args.custom ? id : undefined, state };
    },
    call(args) {
      const inputs = plain(args.inputs) as Record<string, unknown>;
      invokes.push({ token: args.token, inputs });
      return answerInvoke({ ...args, inputs });
    },
  },
  app.name,
  stage,
  false,
);

// Errors thrown inside Outputs (an SST VisibleError, a missing handler) surface as rejections,
// and leave the resources waiting on them unregistered for good: the first one ends the evaluation.
const failures: unknown[] = [];
let onFailure: () => void = () => {};
const failed = new Promise<void>((resolve) => {
  onFailure = resolve;
});
function fail(reason: unknown) {
  failures.push(reason);
  onFailure();
}
process.on("unhandledRejection", fail);
process.on("uncaughtException", fail);
const consoleError = console.error.bind(console);
for (const level of ["warn", "error"] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    diagnostics.push(`${level}: ${args.map(String).join(" ")}`);
    original(...args);
  };
}

async function evaluate(): Promise<Record<string, unknown>> {
  const program = (await import(bundleFile)) as {
    run(program: () => Promise<unknown>): Promise<Record<string, unknown>>;
    mod: { run(): Promise<unknown> };
  };
  lap("load program");
  const result = await pulumi.runtime.runInPulumiStack(() => program.run(program.mod.run));
  // Resources created inside apply() and SST's link refs (created on the next tick) register
  // after run() returns; wait until nothing is in flight.
  let seen = -1;
  while (seen !== resources.length) {
    seen = resources.length;
    await pulumi.runtime.waitForRPCs();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  lap("run");
  return plain(result) as Record<string, unknown>;
}

let outputs: Record<string, unknown> = {};
try {
  await Promise.race([
    evaluate().then((result) => {
      outputs = result;
    }, fail),
    // A moment for the failures that follow from the first.
    failed.then(() => new Promise((resolve) => setTimeout(resolve, 250))),
  ]);
} finally {
  server.close();
  removeScratch();
}

if (failures.length > 0) {
  // Each distinct message once, with the stack it first came with.
  const reported = new Map<string, string>();
  for (const failure of failures) {
    const message = failure instanceof Error ? failure.message : String(failure);
    if (!reported.has(message)) {
      reported.set(message, failure instanceof Error ? (failure.stack ?? message) : message);
    }
  }
  for (const text of reported.values()) consoleError(text);
  process.exit(1);
}

const graph: InfraGraph = {
  stage,
  app,
  resources,
  outputs,
  invokes,
  rpcCalls: rpcCalls.map((call) => ({ method: call.method, args: redactSecrets(call.args) })),
  diagnostics: [
    ...diagnostics,
    ...placeholderSecrets.map((name) => `info: secret ${name} had no value; used a placeholder`),
  ],
  timings,
};
writeFileSync(outFile, JSON.stringify(graph, null, 2));
process.exit(0);
