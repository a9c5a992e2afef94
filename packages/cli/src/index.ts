export { type Command, type ParsedArgs, parseCliArgs, USAGE } from "./args.ts";
export { type CliIo, runCli } from "./cli.ts";
export { type Connection, resolveConnection } from "./config.ts";
export { ConfigError, ExitCode, UsageError } from "./errors.ts";
