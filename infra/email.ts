// SES email identity for the address signoff sends approval requests from.
//
// The address is a per-stage setting read when SST evaluates the config: SST loads `.env` and
// `.env.<stage>` from the project root into the environment, so put
// `SIGNOFF_SENDER=approvals@example.com` in `.env.production` (or export it in the shell that runs
// `sst deploy`). SES mails that address a verification link on the first deploy; until the account
// leaves the SES sandbox, every recipient must be verified too.
const sender = process.env.SIGNOFF_SENDER?.trim();
if (!sender) {
  throw new Error(
    `SIGNOFF_SENDER is not set for stage "${$app.stage}": put SIGNOFF_SENDER=<address> in .env.${$app.stage} or export it before running sst`,
  );
}

export const email = new sst.aws.Email("Email", { sender });
