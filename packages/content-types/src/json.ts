// Reading JSON content the way libxmtp's serde structs read it: required fields must be present
// with the right JSON type, optional fields may be missing or null, unknown fields are ignored.
import { utf8Decode, utf8Encode } from "./bytes.js";
import { ContentDecodeError } from "./errors.js";

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Parses UTF-8 JSON bytes that must hold an object. */
export function parseJsonObject(bytes: Uint8Array, what: string): JsonObject {
  const text = utf8Decode(bytes);
  if (text === undefined) throw new ContentDecodeError(`${what} content is not valid UTF-8`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ContentDecodeError(`${what} content is not valid JSON`, cause);
  }
  return asObject(value, what);
}

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ContentDecodeError(`${what} must be a JSON object`);
  }
  return value as JsonObject;
}

export function requiredString(obj: JsonObject, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== "string") {
    throw new ContentDecodeError(`${what}: field "${key}" must be a string`);
  }
  return value;
}

export function optionalString(obj: JsonObject, key: string, what: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new ContentDecodeError(`${what}: field "${key}" must be a string when present`);
  }
  return value;
}

export function requiredNumber(obj: JsonObject, key: string, what: string): number {
  const value = obj[key];
  if (typeof value !== "number") {
    throw new ContentDecodeError(`${what}: field "${key}" must be a number`);
  }
  return value;
}

export function requiredArray(obj: JsonObject, key: string, what: string): JsonValue[] {
  const value = obj[key];
  if (!Array.isArray(value))
    throw new ContentDecodeError(`${what}: field "${key}" must be an array`);
  return value;
}

/** A `HashMap<String, String>`: an object whose values are all strings. */
export function stringMap(value: unknown, what: string): Record<string, string> {
  const obj = asObject(value, what);
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(obj)) {
    if (typeof entry !== "string") {
      throw new ContentDecodeError(`${what}: value of "${key}" must be a string`);
    }
    out[key] = entry;
  }
  return out;
}

/**
 * Serializes an object whose keys are already in the wire order, leaving out undefined fields
 * (serde's skip_serializing_if = "Option::is_none").
 */
export function jsonBytes(value: unknown): Uint8Array {
  return utf8Encode(JSON.stringify(value));
}
