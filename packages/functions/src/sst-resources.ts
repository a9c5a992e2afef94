/**
 * The values infra/ links to every function, read through SST's `Resource`. On Lambda, SST puts
 * the links in an encrypted `resource.enc` beside the bundle (`SST_KEY` / `SST_KEY_FILE`) and the
 * app in `SST_RESOURCE_App`; anything can also arrive as an `SST_RESOURCE_<Name>` JSON variable.
 * On the local stack there are none, and config.ts falls back to plain environment variables.
 */
// The `sst/resource` entry is `Resource` alone, without the realtime, vector and auth helpers
// the package root re-exports, so neither the bundles nor the cold start carry them.
import { Resource } from "sst/resource";

/** Where each linked value lives: `Resource.<resource>.<property>`. */
export const LinkedValue = {
  tableName: { resource: "Table", property: "name" },
  sender: { resource: "Email", property: "sender" },
  // An `sst.aws.Email` links the configuration set it creates beside the sender.
  sesConfigurationSet: { resource: "Email", property: "configSet" },
  publicUrl: { resource: "Api", property: "url" },
  linkKeys: { resource: "LinkKeys", property: "value" },
  tokenKeys: { resource: "TokenKeys", property: "value" },
  // Optional: without both, Slack is off (slack-config.ts).
  slackBotToken: { resource: "SlackBotToken", property: "value" },
  slackSigningSecret: { resource: "SlackSigningSecret", property: "value" },
  // Optional: signed webhooks are off without it (webhooks/webhook-config.ts).
  webhookSecret: { resource: "SignoffWebhookSecret", property: "value" },
} as const;

export type LinkedField = keyof typeof LinkedValue;

/** The linked values that are present; a field is absent when its resource is not linked. */
export type LinkedValues = Partial<Record<LinkedField, string>>;

export type LinkedValuesResult =
  | { ok: true; values: LinkedValues }
  /** SST's links were there but could not be read: a corrupt variable or resource file. */
  | { ok: false; reason: string };

/** `Resource.Table.name`, as errors name a linked value. */
export function describeLinkedValue(field: LinkedField): string {
  const { resource, property } = LinkedValue[field];
  return `Resource.${resource}.${property}`;
}

/**
 * Reads every linked value out of `resource` (default: SST's `Resource`). Its proxy throws for a
 * resource that is not linked, so presence is tested with `in` first; it loads the links on first
 * use and throws if they are corrupt, which comes back as `{ ok: false }` naming only the error's
 * class, since a parser's message may quote the (secret) text it failed on.
 */
export function readLinkedValues(resource: object = Resource): LinkedValuesResult {
  const values: LinkedValues = {};
  try {
    for (const field of Object.keys(LinkedValue) as LinkedField[]) {
      const { resource: name, property } = LinkedValue[field];
      if (!(name in resource)) continue;
      const linked: unknown = (resource as Record<string, unknown>)[name];
      const value = isRecord(linked) ? linked[property] : undefined;
      if (typeof value === "string" && value.trim() !== "") values[field] = value;
    }
  } catch (error) {
    const kind = error instanceof Error ? error.name : typeof error;
    return {
      ok: false,
      reason: `could not be read (${kind}): check SST_RESOURCE_* and SST_KEY_FILE`,
    };
  }
  return { ok: true, values };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
