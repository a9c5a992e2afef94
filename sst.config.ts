/// <reference path="./.sst/platform/config.d.ts" />

// Composes infra/; every resource lives in the file named for its concern. SST rejects top-level
// imports here, so run() loads infra/ with dynamic imports.
export default $config({
  app(input) {
    return {
      name: "signoff",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
    };
  },
  async run() {
    // In dependency order; each file imports what it uses, so this list only makes it visible.
    await import("./infra/table.ts");
    await import("./infra/secrets.ts");
    await import("./infra/email.ts");
    await import("./infra/queues.ts");
    const { api } = await import("./infra/api.ts");
    const { requestApproval } = await import("./infra/functions.ts");
    await import("./infra/monitoring.ts");
    const { approvalDemo, approvalDemoJsonata } = await import("./infra/workflow.ts");
    return {
      api: api.url,
      stateMachine: approvalDemo.arn,
      // The same demo written in JSONata.
      jsonataStateMachine: approvalDemoJsonata.arn,
      // What a state machine's approval Task names as its FunctionName (README: Deploy to AWS).
      requestApprovalFunction: requestApproval.arn,
    };
  },
});
