import { ApiErrorCode, SfnApiError } from "./api-error.ts";

/** A parsed JSON request body. */
export type RequestBody = Record<string, unknown>;

function missing(field: string): SfnApiError {
  return new SfnApiError(
    ApiErrorCode.ValidationException,
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
  );
}

function wrongType(field: string, expected: string): SfnApiError {
  return new SfnApiError(
    ApiErrorCode.SerializationException,
    `Field '${field}' must be ${expected}`,
  );
}

/** Reads a required string field, or answers ValidationException like AWS does. */
export function requireString(body: RequestBody, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw missing(field);
  if (typeof value !== "string") throw wrongType(field, "a string");
  return value;
}

/** Reads an optional string field. */
export function optionalString(body: RequestBody, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw wrongType(field, "a string");
  return value;
}

/** Reads an optional integer field. */
export function optionalInteger(body: RequestBody, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw wrongType(field, "an integer");
  return value;
}

/** Reads an optional boolean field. */
export function optionalBoolean(body: RequestBody, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw wrongType(field, "a boolean");
  return value;
}

/** Checks a string's length the way AWS's input constraints do. */
export function checkLength(field: string, value: string, min: number, max: number): void {
  if (value.length < min || value.length > max) {
    throw new SfnApiError(
      ApiErrorCode.ValidationException,
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between ${min} and ${max}`,
    );
  }
}
