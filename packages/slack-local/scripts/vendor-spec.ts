/**
 * Rebuilds spec/slack-web-api.json: the parts of Slack's published Web API spec
 * (github.com/slackapi/slack-api-specs, web-api/slack_web_openapi_v2_without_examples.json, MIT)
 * for the methods the stand-in implements, with every definition they reference, and the
 * corrections listed in CORRECTIONS applied on top (each with its reason).
 *
 *   node --import tsx packages/slack-local/scripts/vendor-spec.ts <path to the spec file> <commit>
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IMPLEMENTED_METHODS } from "../src/methods.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SOURCE = {
  repository: "https://github.com/slackapi/slack-api-specs",
  path: "web-api/slack_web_openapi_v2_without_examples.json",
  license: "MIT (see spec/LICENSE)",
};

/**
 * Where Slack's spec contradicts what Slack's API does and its own docs say. Each is a JSON
 * pointer into the vendored file, the value put there (or the items appended to the array
 * there), and why.
 */
type Correction = { pointer: string[]; reason: string } & ({ value: Json } | { append: Json[] });

const errorEnum = (method: string) => [
  "paths",
  `/${method}`,
  "post",
  "responses",
  "default",
  "schema",
  "properties",
  "error",
  "enum",
];

const CORRECTIONS: Correction[] = [
  ...["chat.postMessage", "chat.update", "chat.postEphemeral"].map((method) => ({
    pointer: errorEnum(method),
    append: ["invalid_blocks"],
    reason: `Slack's ${method} documentation lists invalid_blocks (blocks that are not valid Block Kit); the spec predates it`,
  })),
  {
    pointer: [
      "paths",
      "/chat.update",
      "post",
      "responses",
      "200",
      "schema",
      "properties",
      "message",
      "properties",
      "blocks",
    ],
    value: { $ref: "#/definitions/blocks" },
    reason:
      "the spec says an object, but chat.update returns the message's blocks as an array, the same Block Kit array chat.postMessage's message carries (docs.slack.dev/reference/methods/chat.update)",
  },
];

async function main(): Promise<void> {
  const [source, commit] = process.argv.slice(2);
  if (!source || !commit) throw new Error("usage: vendor-spec.ts <spec file> <commit>");
  const full = JSON.parse(await readFile(source, "utf8")) as JsonObject;
  const paths = full.paths as JsonObject;
  const definitions = full.definitions as JsonObject;

  const picked: JsonObject = {};
  for (const method of IMPLEMENTED_METHODS) {
    const path = paths[`/${method}`];
    if (!path) throw new Error(`${method} is not in the spec`);
    picked[`/${method}`] = path;
  }
  const needed = new Set<string>();
  const visit = (value: Json): void => {
    if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value && typeof value === "object") {
      const ref = value.$ref;
      if (typeof ref === "string" && ref.startsWith("#/definitions/")) {
        const name = ref.slice("#/definitions/".length);
        if (!needed.has(name)) {
          needed.add(name);
          visit(definitions[name] ?? null);
        }
      }
      for (const item of Object.values(value)) visit(item);
    }
  };
  visit(picked);

  const vendored: JsonObject = {
    swagger: full.swagger ?? null,
    info: full.info ?? null,
    "x-vendored": {
      ...SOURCE,
      commit,
      methods: [...IMPLEMENTED_METHODS],
      corrections: CORRECTIONS.map(({ pointer, reason }) => ({ at: pointer, reason })),
    },
    basePath: full.basePath ?? null,
    host: full.host ?? null,
    securityDefinitions: full.securityDefinitions ?? null,
    paths: picked,
    definitions: Object.fromEntries([...needed].sort().map((name) => [name, definitions[name]!])),
  };
  for (const correction of CORRECTIONS) {
    if ("value" in correction) setAt(vendored, correction.pointer, correction.value);
    else {
      const current = getAt(vendored, correction.pointer);
      if (!Array.isArray(current)) throw new Error(`${correction.pointer.join("/")} is no array`);
      current.push(...correction.append.filter((item) => !current.includes(item)));
    }
  }

  const target = join(import.meta.dirname, "..", "spec", "slack-web-api.json");
  await writeFile(target, `${JSON.stringify(vendored, null, 2)}\n`);
  console.log(`wrote ${target}: ${IMPLEMENTED_METHODS.length} methods, ${needed.size} definitions`);
}

function getAt(root: JsonObject, pointer: string[]): Json {
  let node: Json = root;
  for (const key of pointer) {
    if (!node || typeof node !== "object" || Array.isArray(node) || !(key in node)) {
      throw new Error(`correction path ${pointer.join("/")} is not in the spec`);
    }
    node = node[key]!;
  }
  return node;
}

function setAt(root: JsonObject, pointer: string[], value: Json): void {
  let node: JsonObject = root;
  for (const key of pointer.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== "object" || Array.isArray(next)) {
      throw new Error(`correction path ${pointer.join("/")} is not in the spec`);
    }
    node = next;
  }
  node[pointer.at(-1)!] = value;
}

await main();
