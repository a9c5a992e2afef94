// The dead-letter queue, and the due shards the sweeper hands on.
//
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

// The due shards the sweeper hands on when one has more due than a page (infra/functions.ts's
// SweepShard works them): FIFO with one message group per shard, so Lambda sweeps the shards side
// by side but never two invocations on one shard. A message is only "sweep this shard"; one that
// fails is retried until it is an hour old, and the next scheduled run hands a shard still busy
// on again, so no dead-letter queue is needed. Visibility: six times SweepShard's timeout, as
// Lambda's SQS event source wants.
export const dueShards = new sst.aws.Queue("DueShards", {
  fifo: true,
  visibilityTimeout: "6 minutes",
  transform: {
    queue: (args) => {
      args.sqsManagedSseEnabled = true;
      args.messageRetentionSeconds = 3600;
    },
  },
});
