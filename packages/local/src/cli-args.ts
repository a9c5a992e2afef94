import { parseArgs } from "node:util";
import { LocalStackError } from "./errors.ts";

/** What `npm start -- …` asked for. */
export interface CliArgs {
  help: boolean;
  demo: boolean;
  /** --persist DIR, as given (not yet resolved). */
  persistDir: string | undefined;
}

/** The text `--help` prints. */
export const USAGE = `Usage: npm start -- [options]

Starts the signoff local stack on 127.0.0.1 (DynamoDB, SES v2 with a web inbox,
Step Functions), registers infra/workflows/*.asl.json, and runs the demo.

Options:
  --persist DIR   keep DynamoDB data in DIR across restarts (default: in memory)
  --no-demo       start the stack only
  --help          show this text

Environment:
  SIGNOFF_DYNAMODB_PORT  (8000)   SIGNOFF_SES_PORT  (8005)
  SIGNOFF_SFN_PORT       (8083)   SIGNOFF_API_PORT  (3000)
  SIGNOFF_ISSUER_PORT    (8086)   the dev OIDC issuer          0 = any free port
  SIGNOFF_STATE_DIR      where stack.json is written (default: .local/ in the repo)`;

/** Parses the CLI flags; an unknown flag or a missing value is a LocalStackError saying which. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        help: { type: "boolean", short: "h", default: false },
        "no-demo": { type: "boolean", default: false },
        persist: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.persist !== undefined && values.persist.trim() === "") {
      throw new Error("--persist needs a directory");
    }
    return {
      help: values.help,
      demo: !values["no-demo"],
      persistDir: values.persist,
    };
  } catch (error) {
    throw new LocalStackError("INVALID_CONFIG", (error as Error).message, { cause: error });
  }
}
