/**
 * The AWS SDK clients the deployables use. Defaults only: region, credentials and endpoints come
 * from the standard environment (`AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL_SESV2`, `AWS_ENDPOINT_URL_SFN`), which is how the local stack points the same
 * code at its emulators. A function creates only the clients it calls.
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

/** The DynamoDB document client; once per Lambda container, outside the handler. */
export function createDynamoClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}));
}

/** The SES v2 client; once per Lambda container, outside the handler. */
export function createSesClient(): SESv2Client {
  return new SESv2Client({});
}

/** Creates one client per service; call once per Lambda container, outside the handler. */
export function createAwsClients(): AwsClients {
  return { dynamo: createDynamoClient(), ses: createSesClient(), sfn: new SFNClient({}) };
}
