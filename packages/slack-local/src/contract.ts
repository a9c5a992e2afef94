/**
 * Slack's published Web API spec for the methods the stand-in implements (spec/, vendored by
 * scripts/vendor-spec.ts): which arguments each method takes and requires, and the JSON schema
 * of its success and error responses. The stand-in checks every call it serves against it, so
 * neither it nor the client calling it can drift from Slack without a test noticing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { IMPLEMENTED_METHODS, type SlackMethod } from "./methods.ts";

type SchemaNode = { [key: string]: unknown };

interface SpecParameter {
  name: string;
  in: "header" | "query" | "formData";
  required?: boolean;
}

interface SpecOperation {
  parameters?: SpecParameter[];
  responses: { "200": { schema: SchemaNode }; default: { schema: SchemaNode } };
}

/** One method's contract. */
export interface MethodContract {
  method: SlackMethod;
  /** Every argument the spec lists, `token` excluded (the stand-in reads it as a bearer token). */
  arguments: readonly string[];
  /** The arguments the spec marks required, `token` excluded. */
  required: readonly string[];
  /** The error codes the spec lists for the method; undefined when it lists none. */
  errors: readonly string[] | undefined;
  /** Problems with a response body; empty when it matches the success or the error schema. */
  checkResponse(body: unknown): string[];
}

export const SPEC_PATH = join(import.meta.dirname, "..", "spec", "slack-web-api.json");

let loaded: ReadonlyMap<SlackMethod, MethodContract> | undefined;

/** The contracts of every implemented method, read from the vendored spec once. */
export function loadContracts(): ReadonlyMap<SlackMethod, MethodContract> {
  loaded ??= buildContracts(JSON.parse(readFileSync(SPEC_PATH, "utf8")) as SchemaNode);
  return loaded;
}

export function contractFor(method: SlackMethod): MethodContract {
  const contract = loadContracts().get(method);
  if (!contract) throw new Error(`no contract for ${method}`);
  return contract;
}

function buildContracts(spec: SchemaNode): Map<SlackMethod, MethodContract> {
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The two formats the spec uses, checked as far as a message needs.
  ajv.addFormat("email", /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat("uri", /^[a-z][a-z0-9+.-]*:\S*$/i);
  ajv.addSchema({ definitions: readSlackSchemas(spec.definitions as SchemaNode) }, "slack");

  const paths = spec.paths as Record<string, Record<string, SpecOperation>>;
  const contracts = new Map<SlackMethod, MethodContract>();
  for (const method of IMPLEMENTED_METHODS) {
    const operation = Object.values(paths[`/${method}`] ?? {})[0];
    if (!operation) throw new Error(`the vendored spec has no ${method}`);
    const parameters = (operation.parameters ?? []).filter((p) => p.name !== "token");
    const success = compile(ajv, operation.responses["200"].schema);
    const failure = compile(ajv, operation.responses.default.schema);
    const errorEnum = (
      (operation.responses.default.schema.properties as SchemaNode | undefined)?.error as
        | SchemaNode
        | undefined
    )?.enum as string[] | undefined;
    contracts.set(method, {
      method,
      arguments: parameters.map((p) => p.name),
      required: parameters.filter((p) => p.required === true).map((p) => p.name),
      errors: errorEnum,
      checkResponse(body) {
        const validate = (body as { ok?: unknown } | null)?.ok === true ? success : failure;
        if (validate(body)) return [];
        return (validate.errors ?? []).map(
          (error) =>
            `${method} response ${error.instancePath || "/"} ${error.message ?? "is invalid"}`,
        );
      },
    });
  }
  return contracts;
}

function compile(ajv: Ajv, schema: SchemaNode): ValidateFunction {
  return ajv.compile(readSlackSchema(rebase(schema)));
}

/** Local `#/definitions/x` references point into the schema registered as "slack". */
function rebase(node: unknown): SchemaNode {
  return JSON.parse(
    JSON.stringify(node).replaceAll('"#/definitions/', '"slack#/definitions/'),
  ) as SchemaNode;
}

function readSlackSchemas(definitions: SchemaNode): SchemaNode {
  return Object.fromEntries(
    Object.entries(definitions).map(([name, schema]) => [name, readSlackSchema(schema)]),
  );
}

/**
 * Slack's spec writes "one of these" as `items: [a, b]` on schemas that are not arrays
 * (`objs_user`, `tz`, `bot_id`, a conversation's `latest`...). To a JSON-schema validator that
 * says nothing, so those checks would pass anything; read as `anyOf`, they check what Slack meant.
 */
function readSlackSchema(node: unknown): SchemaNode {
  if (Array.isArray(node)) return node.map(readSlackSchema) as unknown as SchemaNode;
  if (!node || typeof node !== "object") return node as SchemaNode;
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) out[key] = readSlackSchema(value);
  const isArraySchema =
    out.type === "array" || (Array.isArray(out.type) && out.type.includes("array"));
  if (Array.isArray(out.items) && !isArraySchema) {
    out.anyOf = out.items;
    delete out.items;
  }
  return out;
}
