/**
 * The Slack settings: a bot token and a signing secret switch Slack on, and the Web API's URL is
 * configurable (the local stack's Slack stand-in). On AWS the SST secrets `SlackBotToken` and
 * `SlackSigningSecret` are linked; plain variables fill in elsewhere. Neither secret is echoed.
 *
 * | variable | linked | what |
 * | --- | --- | --- |
 * | SIGNOFF_SLACK_BOT_TOKEN | Resource.SlackBotToken.value | the bot's `xoxb-` token |
 * | SIGNOFF_SLACK_SIGNING_SECRET | Resource.SlackSigningSecret.value | verifies `/slack/interactions` |
 * | SIGNOFF_SLACK_API_URL | (none) | the Web API base; default `https://slack.com/api/` |
 */
import type { LinkedValues } from "./sst-resources.ts";

export interface SlackConfig {
  botToken: string;
  signingSecret: string;
  /** The Web API's base URL, ending in `/`: method `chat.postMessage` is `${apiUrl}chat.postMessage`. */
  apiUrl: string;
}

/** Slack's own Web API. */
export const DEFAULT_SLACK_API_URL = "https://slack.com/api/";

export const SlackVariable = {
  botToken: "SIGNOFF_SLACK_BOT_TOKEN",
  signingSecret: "SIGNOFF_SLACK_SIGNING_SECRET",
  apiUrl: "SIGNOFF_SLACK_API_URL",
} as const satisfies Record<keyof SlackConfig, string>;

/** One bad Slack setting, named by its variable; never its value. */
export interface SlackConfigProblem {
  variable: string;
  source: string;
  message: string;
}

/**
 * Slack's settings, or undefined when neither secret is set (Slack off). Problems (one secret
 * without the other, a bad URL) are pushed onto `problems`; the caller reports them all at once.
 */
export function readSlackSettings(
  env: Readonly<Record<string, string | undefined>>,
  linked: LinkedValues,
  problems: SlackConfigProblem[],
): SlackConfig | undefined {
  const botToken = linked.slackBotToken ?? (env[SlackVariable.botToken]?.trim() || undefined);
  const signingSecret =
    linked.slackSigningSecret ?? (env[SlackVariable.signingSecret]?.trim() || undefined);
  const rawUrl = env[SlackVariable.apiUrl]?.trim() || undefined;
  if (botToken === undefined && signingSecret === undefined) {
    if (rawUrl !== undefined) {
      problems.push(
        problem(
          SlackVariable.apiUrl,
          `needs ${SlackVariable.botToken} and ${SlackVariable.signingSecret} as well`,
        ),
      );
    }
    return undefined;
  }
  const before = problems.length;
  if (botToken === undefined) {
    problems.push(
      problem(
        SlackVariable.botToken,
        `is required when ${SlackVariable.signingSecret} is set (or link the SlackBotToken secret)`,
      ),
    );
  }
  if (signingSecret === undefined) {
    problems.push(
      problem(
        SlackVariable.signingSecret,
        `is required when ${SlackVariable.botToken} is set (or link the SlackSigningSecret secret)`,
      ),
    );
  }
  const apiUrl = parseApiUrl(rawUrl ?? DEFAULT_SLACK_API_URL);
  if (apiUrl === undefined) {
    problems.push(problem(SlackVariable.apiUrl, "must be an absolute http(s) URL"));
  }
  if (problems.length > before || !botToken || !signingSecret || !apiUrl) return undefined;
  return { botToken, signingSecret, apiUrl };
}

function problem(variable: string, message: string): SlackConfigProblem {
  return { variable, source: variable, message };
}

function parseApiUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    if (url.search || url.hash || url.username || url.password) return undefined;
    return `${url.origin}${url.pathname.replace(/\/*$/, "/")}`;
  } catch {
    return undefined;
  }
}
