/**
 * The floor `npm run bundle:report` measures the Lambda bundles against: a handler that constructs
 * the AWS SDK clients the functions use, exactly as they do (adapters/clients.ts), and nothing
 * else. What a bundle weighs and costs to load beyond this is ours to cut; this much is the SDK's.
 */
import { createAwsClients } from "../packages/functions/src/adapters/clients.ts";

const clients = createAwsClients();

/** Names the clients, so they are used and cannot be tree-shaken away. */
export async function handler(): Promise<string[]> {
  return Object.keys(clients);
}
