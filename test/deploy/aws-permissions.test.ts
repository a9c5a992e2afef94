import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  actionsIn,
  deriveAwsPermissions,
  PERMISSIONS_FILE,
  renderPermissionsFile,
} from "../../scripts/aws-permissions.ts";

describe("the AWS actions each function's code can call", () => {
  it("infra/aws-permissions.json is what the code calls now (npm run generate:permissions)", async () => {
    const derived = renderPermissionsFile(await deriveAwsPermissions());
    expect(await readFile(PERMISSIONS_FILE, "utf8")).toBe(derived);
  }, 60_000);

  it("maps the SDK commands a file constructs to IAM actions through its imports", () => {
    const source = [
      'import { GetCommand, type QueryCommand as Q, UpdateCommand } from "@aws-sdk/lib-dynamodb";',
      'import { SendEmailCommand } from "@aws-sdk/client-sesv2";',
      'import { SendTaskSuccessCommand } from "@aws-sdk/client-sfn";',
      "client.send(new GetCommand({}));",
      "client.send(new UpdateCommand({}));",
      "ses.send(new SendEmailCommand({}));",
      "sfn.send(new SendTaskSuccessCommand({}));",
    ].join("\n");
    expect(actionsIn(source, "x.ts")).toEqual([
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
      "ses:SendEmail",
      "states:SendTaskSuccess",
    ]);
  });

  it("maps SQS's SendMessageBatch to the one action IAM authorises it by, sqs:SendMessage", () => {
    const source = [
      'import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";',
      "sqs.send(new SendMessageBatchCommand({}));",
    ].join("\n");
    expect(actionsIn(source, "q.ts")).toEqual(["sqs:SendMessage"]);
  });

  it("refuses a command it cannot place, rather than grant too little or guess", () => {
    expect(() =>
      actionsIn(
        'import { PublishCommand } from "@aws-sdk/client-sns";\nnew PublishCommand({});',
        "q.ts",
      ),
    ).toThrow(/PublishCommand comes from @aws-sdk\/client-sns, not mapped/);
    expect(() => actionsIn("new MysteryCommand({});", "m.ts")).toThrow(
      /MysteryCommand is not imported/,
    );
  });
});
