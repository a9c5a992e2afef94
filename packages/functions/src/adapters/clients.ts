/**
 * The AWS SDK clients the deployables use. Defaults only: region, credentials and endpoints come
 * from the standard environment (`AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL_SESV2`, `AWS_ENDPOINT_URL_SFN`), which is how the local stack points the same
 * code at its emulators.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  ses: SESv2Client;
  sfn: SFNClient;
}

/** Creates one client per service; call once per Lambda container, outside the handler. */
export function createAwsClients(): AwsClients {
  return {
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    ses: new SESv2Client({}),
    sfn: new SFNClient({}),
  };
}
