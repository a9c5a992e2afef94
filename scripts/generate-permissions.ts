/**
 * `npm run generate:permissions`: writes infra/aws-permissions.json, the AWS actions each
 * function's code can call (scripts/aws-permissions.ts says how they are found).
 */
import { writeFile } from "node:fs/promises";
import { relative } from "node:path";
import {
  deriveAwsPermissions,
  PERMISSIONS_FILE,
  renderPermissionsFile,
} from "./aws-permissions.ts";
import { ROOT } from "./bundle-handlers.ts";

const permissions = await deriveAwsPermissions();
await writeFile(PERMISSIONS_FILE, renderPermissionsFile(permissions));
console.log(`wrote ${relative(ROOT, PERMISSIONS_FILE)}`);
for (const [name, actions] of Object.entries(permissions)) {
  console.log(`  ${name.padEnd(18)}${actions.join(", ")}`);
}
