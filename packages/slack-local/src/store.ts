/** What the stand-in remembers: messages per conversation, ephemeral messages, modals, triggers. */

/** A Block Kit block as posted: any object with a `type`. */
export type Block = { type: string; block_id?: string } & Record<string, unknown>;

export interface StoredMessage {
  /** The conversation: `C…` or a DM's `D…`. */
  channel: string;
  ts: string;
  text: string;
  blocks: Block[];
  /** The bot user that posted it. */
  user: string;
  botId: string;
  threadTs?: string;
  /** Set by chat.update (and response_url replacements). */
  edited?: { user: string; ts: string };
  /** How many times the message was updated. */
  updates: number;
}

export interface StoredEphemeral {
  channel: string;
  /** Whom it is for: only they see it. */
  user: string;
  ts: string;
  text: string;
  blocks: Block[];
}

export interface StoredView {
  /** `V…` */
  id: string;
  triggerId: string;
  /** The user whose interaction issued the trigger. */
  user: string;
  /** The view as opened, or as the app's `response_action: "update"` replaced it. */
  view: Record<string, unknown>;
  /** Closed by a submission the app accepted (an empty answer or `clear`). */
  closed: boolean;
  /** The app's `response_action: "errors"` to the last submission, by block_id; else empty. */
  errors: Record<string, string>;
}

/** A trigger_id handed out with an interaction; views.open may use it once, within 3 s. */
export interface IssuedTrigger {
  user: string;
  issuedAt: number;
  used: boolean;
}

/** Where a response_url posts: the message an interaction came from, and who pressed. */
export interface ResponseTarget {
  channel: string;
  ts: string;
  user: string;
}

export interface Store {
  messages: StoredMessage[];
  ephemerals: StoredEphemeral[];
  views: StoredView[];
  triggers: Map<string, IssuedTrigger>;
  responseUrls: Map<string, ResponseTarget>;
  /** DM channels conversations.open has opened. */
  openedDms: Set<string>;
}

export function createStore(): Store {
  return {
    messages: [],
    ephemerals: [],
    views: [],
    triggers: new Map(),
    responseUrls: new Map(),
    openedDms: new Set(),
  };
}

export function clearStore(store: Store): void {
  store.messages.length = 0;
  store.ephemerals.length = 0;
  store.views.length = 0;
  store.triggers.clear();
  store.responseUrls.clear();
  store.openedDms.clear();
}
