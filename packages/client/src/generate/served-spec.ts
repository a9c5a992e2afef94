/**
 * The OpenAPI document exactly as the app serves it at `GET /v1/openapi.json`, read in process
 * so generating the client needs no running stack.
 */
import type { FlowDeps } from "@signoff/core";
import { createApp } from "@signoff/functions";

/** An OpenAPI document as JSON; its shape is the validator's business, not ours. */
export type OpenApiDocument = Record<string, unknown>;

/** A port that refuses every call: serving the document must not touch the table, mail or SFN. */
function unusedPort<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      // Not a thenable, so `await` on it (or a debugger's peek) does not call the trap below.
      if (property === "then") return undefined;
      return () => {
        throw new Error(
          `${name}.${String(property)} was called while serving the OpenAPI document`,
        );
      };
    },
  });
}

/** Deps for an app that only serves its document; any flow it ran would throw. */
function documentOnlyDeps(): FlowDeps {
  return {
    store: unusedPort("store"),
    mailer: unusedPort("mailer"),
    callback: unusedPort("callback"),
    links: unusedPort("links"),
    cipher: unusedPort("cipher"),
    publicBaseUrl: "http://127.0.0.1",
    clock: () => new Date(0),
  };
}

/** Builds the app and returns what it serves at `/v1/openapi.json`. */
export async function readServedSpec(): Promise<OpenApiDocument> {
  const response = await createApp(documentOnlyDeps()).request("/v1/openapi.json");
  if (!response.ok) {
    // zod-openapi answers a route definition it cannot render with a 500 carrying its error.
    const body = (await response.text()).slice(0, 500);
    throw new Error(`GET /v1/openapi.json answered ${response.status}, not the document: ${body}`);
  }
  return (await response.json()) as OpenApiDocument;
}
