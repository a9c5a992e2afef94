/**
 * Which AWS actions each Lambda function's code can call, derived from the code rather than
 * written by hand: each handler is bundled as SST would deploy it, and every source file of ours
 * that esbuild kept in the bundle is read for the SDK commands it constructs (`new XCommand(`),
 * resolved through that file's imports to their SDK package and mapped to the IAM action.
 *
 * infra/aws-permissions.json holds the result (`npm run generate:permissions` writes it) so that
 * infra/ can read it while SST evaluates the config; test/deploy checks the file is current and
 * that every function's IAM policy grants exactly these actions.
 */
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { listHandlerEntries, ROOT, SST_BUILD_OPTIONS } from "./bundle-handlers.ts";

/** Where the derived permissions live, for infra/ to read. */
export const PERMISSIONS_FILE = join(ROOT, "infra", "aws-permissions.json");

/** The SDK packages whose commands map onto IAM actions, and how. */
const SDK_SERVICES: Record<string, { prefix: string; action: (command: string) => string }> = {
  "@aws-sdk/client-dynamodb": { prefix: "dynamodb", action: (command) => command },
  // The document client's commands wrap the low-level ones under shorter names.
  "@aws-sdk/lib-dynamodb": {
    prefix: "dynamodb",
    action: (command) => DOCUMENT_CLIENT_ACTIONS[command] ?? unknownCommand(command),
  },
  "@aws-sdk/client-sesv2": { prefix: "ses", action: (command) => command },
  "@aws-sdk/client-sfn": { prefix: "states", action: (command) => command },
  // IAM authorises SendMessageBatch as sqs:SendMessage, one action for both.
  "@aws-sdk/client-sqs": {
    prefix: "sqs",
    action: (command) => (command === "SendMessageBatch" ? "SendMessage" : command),
  },
};

const DOCUMENT_CLIENT_ACTIONS: Record<string, string> = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  Query: "Query",
  Scan: "Scan",
  BatchGet: "BatchGetItem",
  BatchWrite: "BatchWriteItem",
  TransactGet: "TransactGetItems",
  TransactWrite: "TransactWriteItems",
  ExecuteStatement: "PartiQLSelect",
};

function unknownCommand(command: string): never {
  throw new Error(`@aws-sdk/lib-dynamodb's ${command}Command has no IAM action in the table`);
}

/** `{ "api": ["dynamodb:GetItem", …], … }`, each list sorted. */
export type AwsPermissions = Record<string, string[]>;

/** The actions each handler's bundled code can call, by handler name. */
export async function deriveAwsPermissions(): Promise<AwsPermissions> {
  const entries = await listHandlerEntries();
  const result: AwsPermissions = {};
  for (const [name, entry] of entries) {
    const built = await build({
      ...SST_BUILD_OPTIONS,
      // The same tree-shaking as the deployed bundle, unminified: minifying inlines constants, so
      // a kept file can contribute no bytes and drop out of the inputs read below.
      minify: false,
      absWorkingDir: ROOT,
      entryPoints: [join(ROOT, entry)],
      outfile: join(ROOT, ".local", "permissions", `${name}.mjs`),
      write: false,
    });
    const output = Object.values(built.metafile.outputs)[0];
    if (!output) throw new Error(`esbuild produced no bundle for ${entry}`);
    // Inputs that contributed bytes: what tree-shaking kept. Only our sources construct commands.
    const ours = Object.entries(output.inputs)
      .filter(([path, input]) => input.bytesInOutput > 0 && path.startsWith("packages/"))
      .map(([path]) => path);
    const actions = new Set<string>();
    for (const path of ours) {
      for (const action of actionsIn(await readFile(join(ROOT, path), "utf8"), path)) {
        actions.add(action);
      }
    }
    result[name] = [...actions].sort();
  }
  return result;
}

const COMMAND_USE = /\bnew\s+([A-Z][A-Za-z0-9]*)Command\s*\(/g;
const IMPORT = /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"([^"]+)"/g;

/** The IAM actions of the commands `source` constructs, resolved through its own imports. */
export function actionsIn(source: string, path: string): string[] {
  const importedFrom = new Map<string, string>();
  for (const [, names = "", from = ""] of source.matchAll(IMPORT)) {
    for (const raw of names.split(",")) {
      const local = raw
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)
        .pop();
      if (local) importedFrom.set(local, from);
    }
  }
  const actions: string[] = [];
  for (const [, command = ""] of source.matchAll(COMMAND_USE)) {
    const from = importedFrom.get(`${command}Command`);
    if (from === undefined) {
      throw new Error(`${relative(ROOT, join(ROOT, path))}: ${command}Command is not imported`);
    }
    const service = SDK_SERVICES[from];
    // Commands of other SDK packages would need their own entry before a function may call them.
    if (!service) throw new Error(`${path}: ${command}Command comes from ${from}, not mapped`);
    actions.push(`${service.prefix}:${service.action(command)}`);
  }
  return actions;
}

/** The file's text: stable, so a regenerated file differs only when the code's calls do. */
export function renderPermissionsFile(permissions: AwsPermissions): string {
  return `${JSON.stringify(permissions, null, 2)}\n`;
}
