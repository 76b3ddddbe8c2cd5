// Conversions between what drivers return and the plain values of the store API, and the input
// checks every store runs before it writes (bad input gets a DbInputError and writes nothing).
import { DbInputError } from "./errors.js";
import type { Cursor } from "./types.js";

type Raw = bigint | number | string;

/** Lowercase hex, for keys and SQL literals (@x/db stays below @x/crypto). */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
}

export function toBigInt(v: Raw): bigint {
  return typeof v === "bigint" ? v : BigInt(v);
}

export function toBigIntOrNull(v: Raw | null | undefined): bigint | null {
  return v === null || v === undefined ? null : toBigInt(v);
}

export function toNum(v: Raw): number {
  return typeof v === "number" ? v : Number(v);
}

export function toNumOrNull(v: Raw | null | undefined): number | null {
  return v === null || v === undefined ? null : toNum(v);
}

export function toBool(v: Raw): boolean {
  return toNum(v) !== 0;
}

export function toBoolOrNull(v: Raw | null | undefined): boolean | null {
  return v === null || v === undefined ? null : toBool(v);
}

/** Drivers return Buffer (a Uint8Array subclass); callers get a plain Uint8Array view. */
export function toBytes(v: Uint8Array): Uint8Array {
  return v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

export function toBytesOrNull(v: Uint8Array | null | undefined): Uint8Array | null {
  return v === null || v === undefined ? null : toBytes(v);
}

export function cursorOrNull(originator: Raw | null, sequence: Raw | null): Cursor | null {
  return originator === null || sequence === null
    ? null
    : { originatorId: toNum(originator), sequenceId: toBigInt(sequence) };
}

export const fromBool = (b: boolean): number => (b ? 1 : 0);
export const fromBoolOrNull = (b: boolean | null): number | null => (b === null ? null : b ? 1 : 0);

// --- input checks ---

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function checkBytes(
  name: string,
  v: unknown,
  opts: { nonEmpty?: boolean } = {},
): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new DbInputError(`${name} must be a Uint8Array`);
  if (opts.nonEmpty && v.length === 0) throw new DbInputError(`${name} must not be empty`);
  return v;
}

export function checkBytesOrNull(name: string, v: unknown): Uint8Array | null {
  return v === null ? null : checkBytes(name, v);
}

export function checkBigInt(name: string, v: unknown, opts: { min?: bigint } = {}): bigint {
  if (typeof v !== "bigint") throw new DbInputError(`${name} must be a bigint`);
  const min = opts.min ?? INT64_MIN;
  if (v < min || v > INT64_MAX) {
    throw new DbInputError(`${name} must be between ${min} and ${INT64_MAX}, got ${v}`);
  }
  return v;
}

export function checkBigIntOrNull(name: string, v: unknown, opts: { min?: bigint } = {}) {
  return v === null ? null : checkBigInt(name, v, opts);
}

export function checkInt(
  name: string,
  v: unknown,
  opts: { min?: number; max?: number } = {},
): number {
  const min = opts.min ?? -(2 ** 31);
  const max = opts.max ?? 2 ** 31 - 1;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new DbInputError(
      `${name} must be an integer between ${min} and ${max}, got ${String(v)}`,
    );
  }
  return v;
}

export function checkEnum<T extends number>(
  name: string,
  v: unknown,
  valid: ReadonlySet<number>,
): T {
  if (typeof v !== "number" || !valid.has(v)) {
    throw new DbInputError(`${name} must be one of ${[...valid].join(", ")}, got ${String(v)}`);
  }
  return v as T;
}

export function checkString(name: string, v: unknown, opts: { nonEmpty?: boolean } = {}): string {
  if (typeof v !== "string") throw new DbInputError(`${name} must be a string`);
  if (opts.nonEmpty && v.length === 0) throw new DbInputError(`${name} must not be empty`);
  return v;
}

export function checkStringOrNull(name: string, v: unknown): string | null {
  return v === null ? null : checkString(name, v);
}

export function checkBool(name: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw new DbInputError(`${name} must be a boolean`);
  return v;
}

export function checkCursor(name: string, v: unknown): Cursor {
  const c = v as Cursor | null;
  if (typeof c !== "object" || c === null) throw new DbInputError(`${name} must be a cursor`);
  checkInt(`${name}.originatorId`, c.originatorId, { min: 0 });
  checkBigInt(`${name}.sequenceId`, c.sequenceId, { min: 0n });
  return c;
}

export function checkCursorOrNull(name: string, v: unknown): Cursor | null {
  return v === null ? null : checkCursor(name, v);
}

export function checkLimit(v: unknown): number | undefined {
  return v === undefined ? undefined : checkInt("limit", v, { min: 0 });
}
