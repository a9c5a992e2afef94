import type { Context } from "hono";
import type { SlackArgs } from "./web-api.ts";

export type ApiRequest =
  | { token: string | undefined; args: SlackArgs }
  | { token: string | undefined; args: SlackArgs; error: string };

/**
 * A Web API request's token and arguments, read as Slack reads them: query parameters, plus a
 * form-encoded or JSON body; the token from `Authorization: Bearer`, or (not with JSON) a
 * `token` argument.
 */
export async function readApiRequest(c: Context): Promise<ApiRequest> {
  const args: SlackArgs = { ...c.req.query() };
  const type = c.req.header("content-type") ?? "";
  const isJson = type.includes("application/json");
  let error: string | undefined;
  if (c.req.method === "POST") {
    if (isJson) {
      const raw = await c.req.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        error = "invalid_json";
      }
      if (error === undefined) {
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
          Object.assign(args, parsed);
        else error = "json_not_object";
      }
    } else if (
      type.includes("application/x-www-form-urlencoded") ||
      type.includes("multipart/form-data")
    ) {
      const form = await c.req.parseBody();
      for (const [name, value] of Object.entries(form)) {
        if (typeof value === "string") args[name] = value;
      }
    }
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  const argToken = !isJson && typeof args.token === "string" ? args.token : undefined;
  delete args.token;
  const token = bearer ?? argToken;
  return error === undefined ? { token, args } : { token, args, error };
}
