/**
 * Everything a stack showed or kept, as texts to search: every email in the inbox (subject,
 * HTML, text), every page a test fetched and its headers, every captured log line, every
 * DynamoDB item (raw, and as the store reads it back), and every execution's end.
 */
import type { SignoffStack } from "./signoff-stack.ts";
import type { Haystack } from "./token-leaks.ts";

/** The task tokens request-approval was invoked with, each once. */
export function recordedTokens(signoff: SignoffStack): string[] {
  return [...new Set(signoff.requests.flatMap((r) => (r.token ? [r.token] : [])))];
}

/** Gathers the haystacks. */
export async function gatherEvidence(signoff: SignoffStack): Promise<Haystack[]> {
  const haystacks: Haystack[] = [];
  for (const mail of await signoff.readInbox()) {
    const source = `email to ${mail.destination.to} "${mail.subject}"`;
    haystacks.push({ source: `${source} (subject)`, text: mail.subject });
    haystacks.push({ source: `${source} (html)`, text: mail.body.html ?? "" });
    haystacks.push({ source: `${source} (text)`, text: mail.body.text ?? "" });
  }
  for (const page of signoff.pages) {
    const source = `${page.method} ${page.url} → ${page.status}`;
    haystacks.push({ source, text: page.html });
    haystacks.push({ source: `${source} (headers)`, text: JSON.stringify(page.headers) });
  }
  haystacks.push({ source: "captured log lines", text: signoff.logs.join("\n") });
  haystacks.push({ source: "DynamoDB items", text: JSON.stringify(await signoff.rawItems()) });
  const approvalIds = signoff.requests.flatMap((r) => (r.result ? [r.result.approvalId] : []));
  for (const id of new Set(approvalIds)) {
    const approval = await signoff.approval(id);
    const events = await signoff.runtime().deps.store.listEvents(id);
    haystacks.push({ source: `approval ${id}`, text: JSON.stringify({ approval, events }) });
  }
  for (const executionArn of signoff.executions) {
    const end = await signoff.describeExecution(executionArn);
    haystacks.push({ source: `execution ${executionArn}`, text: JSON.stringify(end) });
  }
  return haystacks;
}
