// The dead-letter queue: events that an asynchronous invocation of request-approval, cancel or
// ses-events failed on after Lambda's retries, and events EventBridge could not deliver to them.
// Its alarm (infra/monitoring.ts) fires on the first message; README "Operating signoff" says how
// to read and redrive them. A failed request-approval event still holds the task token the state
// machine sent, so the queue is encrypted (SSE-SQS) and only the functions' roles and the two
// rules may write to it (infra/monitoring.ts's queue policy).
export const deadLetters = new aws.sqs.Queue("DeadLetters", {
  sqsManagedSseEnabled: true,
  // The longest SQS keeps a message: two weeks to notice, read and redrive it.
  messageRetentionSeconds: 14 * 24 * 3600,
});
