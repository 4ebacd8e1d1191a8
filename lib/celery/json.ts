/**
 * JSON values as Celery puts them on the wire, and the JSON text Python's `json.dumps` writes.
 *
 * Celery (kombu) serialises with Python's json module defaults: `", "` and `": "` separators and
 * non-ASCII escaped as \uXXXX (CELERY-WIRE.md §1). Python accepts any valid JSON, so matching that
 * format is not needed for interop; we match it so that what Pollen sends reads like what Celery sends.
 */
import { DecodeErrorCode, type Decoded, fail, ok } from './decode-result';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `obj[key] = value` that also works for the key "__proto__": JSON.parse makes it an own property, but a
 * plain assignment (or Object.assign) would change the object's prototype and lose the value.
 */
export function setField<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Copies every own field of `source` onto `target` with setField. */
export function assignFields(target: JsonObject, source: JsonObject): JsonObject {
  for (const key in source) setField(target, key, source[key] as JsonValue);
  return target;
}

/** JSON.parse that returns a DecodeError instead of throwing. */
export function parseJson(text: string, path = '$'): Decoded<JsonValue> {
  try {
    return ok(JSON.parse(text) as JsonValue);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return fail(DecodeErrorCode.Syntax, `not valid JSON: ${message}`, path);
  }
}

/** `json.dumps(value)` as Python writes it (separators `", "`/`": "`, ensure_ascii). */
export function pythonJsonDumps(value: JsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return pythonJsonString(value);
    case 'number':
      // Python writes NaN/Infinity as bare words; they cannot come out of JSON.parse, so null is only a guard.
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
      return `{${Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${pythonJsonString(k)}: ${pythonJsonDumps(v)}`)
        .join(', ')}}`;
  }
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
