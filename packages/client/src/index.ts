export { SignoffApiError } from "./signoff-api-error.ts";
export {
  createSignoffClient,
  type DecideOptions,
  type SignoffClient,
  type SignoffClientOptions,
} from "./signoff-client.ts";
export type * from "./types.ts";
