/**
 * Typed reads of fields from decoded JSON, for the decoders of this folder. Each read either returns the
 * value with its static type or throws a DecodeFailure naming the path, which `decoding()` turns into a
 * returned DecodeError. "Optional" reads treat an absent field and JSON null alike, as Celery does.
 */
import { DecodeErrorCode, failure } from './decode-result';
import { isJsonObject, type JsonObject, type JsonValue, setField } from './json';

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'absent';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function wrong(path: string, expected: string, value: unknown): never {
  const code = value === undefined ? DecodeErrorCode.Missing : DecodeErrorCode.Invalid;
  throw failure(code, value === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${describe(value)}`, path);
}

export function asObject(value: unknown, path: string): JsonObject {
  if (isJsonObject(value)) return value;
  return wrong(path, 'an object', value);
}

export function asArray(value: unknown, path: string): JsonValue[] {
  if (Array.isArray(value)) return value as JsonValue[];
  return wrong(path, 'an array', value);
}

export function str(obj: JsonObject, key: string, path: string): string {
  const value = obj[key];
  if (typeof value === 'string') return value;
  return wrong(`${path}.${key}`, 'a string', value);
}

export function optStr(obj: JsonObject, key: string, path: string): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  return wrong(`${path}.${key}`, 'a string or null', value);
}

export function optNum(obj: JsonObject, key: string, path: string): number | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return value;
  return wrong(`${path}.${key}`, 'a number or null', value);
}

export function optInt(obj: JsonObject, key: string, path: string): number | null {
  const value = optNum(obj, key, path);
  if (value === null || Number.isInteger(value)) return value;
  return wrong(`${path}.${key}`, 'an integer', value);
}

export function optBool(obj: JsonObject, key: string, path: string): boolean | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  return wrong(`${path}.${key}`, 'a boolean or null', value);
}

export function optObject(obj: JsonObject, key: string, path: string): JsonObject | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  return asObject(value, `${path}.${key}`);
}

export function optArray(obj: JsonObject, key: string, path: string): JsonValue[] | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  return asArray(value, `${path}.${key}`);
}

export function optStrArray(obj: JsonObject, key: string, path: string): string[] | null {
  const items = optArray(obj, key, path);
  if (items === null) return null;
  return items.map((item, i) => (typeof item === 'string' ? item : wrong(`${path}.${key}[${i}]`, 'a string', item)));
}

/** The fields of `obj` not in `known`, or null when there are none (the common case allocates nothing). */
export function unknownFields(obj: JsonObject, known: ReadonlySet<string>): JsonObject | null {
  let extra: JsonObject | null = null;
  for (const key in obj) {
    if (!known.has(key)) setField((extra ??= {}), key, obj[key] as JsonValue);
  }
  return extra;
}
