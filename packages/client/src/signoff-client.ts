/**
 * A typed client for the signoff REST API (`/v1`), on openapi-fetch with the types generated
 * from the API's own OpenAPI document. Every method returns the success body or throws one
 * `SignoffApiError`.
 */
import createClient from "openapi-fetch";
import type { paths } from "./schema.ts";
import { toSignoffApiError } from "./signoff-api-error.ts";
import type {
  Approval,
  ApprovalList,
  AuditTrail,
  DecisionCreated,
  DecisionRequest,
  ListApprovalsQuery,
  Resend,
  WebhookReplay,
  Webhooks,
} from "./types.ts";

export interface SignoffClientOptions {
  /** Where the API is served, e.g. `http://127.0.0.1:3000` (the `/v1` paths are appended). */
  baseUrl: string;
  /** A bearer JWT from the deployment's OIDC provider. */
  token: string;
  /** Another fetch (an app's `request`, a proxy-aware fetch); default the global one. */
  fetch?: (request: Request) => Promise<Response>;
}

export interface DecideOptions {
  /** Sent as `Idempotency-Key`, so a retried request records the decision once. */
  idempotencyKey?: string;
}

export interface SignoffClient {
  /** One page of approvals, newest first; pass `nextCursor` back as `cursor` for the next. */
  listApprovals(query?: ListApprovalsQuery): Promise<ApprovalList>;
  /** Every approval matching `query` (its `cursor` is where to start), page by page. */
  listAllApprovals(query?: ListApprovalsQuery): AsyncIterableIterator<Approval>;
  /** The approval: context, decisions, deadline, outcome and callback state. */
  getApproval(id: string): Promise<Approval>;
  /** Approves or rejects as the token's owner, by the same rules as the email links. */
  decide(id: string, body: DecisionRequest, options?: DecideOptions): Promise<DecisionCreated>;
  /** The approval's audit trail, oldest first, with whether its hash chain verifies. */
  events(id: string): Promise<AuditTrail>;
  /** Emails the request again, with fresh links, to the approvers who have not decided. */
  resend(id: string): Promise<Resend>;
  /** Admins: the approval's webhook messages and how their delivery went. */
  webhooks(id: string): Promise<Webhooks>;
  /** Admins: sends the approval's given-up webhook messages again (through the sweeper). */
  replayWebhooks(id: string): Promise<WebhookReplay>;
}

/** The body of a success, or the SignoffApiError for anything else. */
function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw toSignoffApiError(result.response, result.error);
}

/** A client for the API at `baseUrl`, calling it as the owner of `token`. */
export function createSignoffClient(options: SignoffClientOptions): SignoffClient {
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers: { Authorization: `Bearer ${options.token}` },
    ...(options.fetch && { fetch: options.fetch }),
  });
  const byId = (id: string) => ({ params: { path: { id } } });

  async function listApprovals(query: ListApprovalsQuery = {}): Promise<ApprovalList> {
    return unwrap(await api.GET("/v1/approvals", { params: { query } }));
  }

  return {
    listApprovals,

    async *listAllApprovals(query = {}) {
      let cursor = query.cursor;
      do {
        const page = await listApprovals({ ...query, ...(cursor !== undefined && { cursor }) });
        yield* page.approvals;
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    },

    async getApproval(id) {
      return unwrap(await api.GET("/v1/approvals/{id}", byId(id)));
    },

    async decide(id, body, decideOptions = {}) {
      const { idempotencyKey } = decideOptions;
      return unwrap(
        await api.POST("/v1/approvals/{id}/decisions", {
          ...byId(id),
          body,
          ...(idempotencyKey !== undefined && { headers: { "Idempotency-Key": idempotencyKey } }),
        }),
      );
    },

    async events(id) {
      return unwrap(await api.GET("/v1/approvals/{id}/events", byId(id)));
    },

    async resend(id) {
      return unwrap(await api.POST("/v1/approvals/{id}/resend", byId(id)));
    },

    async webhooks(id) {
      return unwrap(await api.GET("/v1/approvals/{id}/webhooks", byId(id)));
    },

    async replayWebhooks(id) {
      return unwrap(await api.POST("/v1/approvals/{id}/webhooks/replay", byId(id)));
    },
  };
}
