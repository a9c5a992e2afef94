/** The Slack Web API methods the stand-in implements: the ones signoff calls. */
export const IMPLEMENTED_METHODS = [
  "auth.test",
  "chat.postEphemeral",
  "chat.postMessage",
  "chat.update",
  "conversations.open",
  "users.info",
  "users.lookupByEmail",
  "views.open",
] as const;

export type SlackMethod = (typeof IMPLEMENTED_METHODS)[number];
