/**
 * kombu >= 5.3 writes datetime, date, time, Decimal, UUID and bytes inside JSON bodies as tagged objects,
 * `{"__type__": "datetime", "__value__": "2024-01-01T00:00:00+00:00"}` (CELERY-WIRE.md §1), and raises on
 * an unknown tag. Task args keep these objects as they came (so re-sending is lossless); this turns them
 * into the plain values kombu 5.2 would have sent, for code that wants plain JSON.
 */
import { decoding, DecodeErrorCode, type Decoded, failure } from './decode-result';
import { isJsonObject, type JsonObject, type JsonValue, setField } from './json';

export function isKombuTagged(value: JsonValue): boolean {
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && '__type__' in value && '__value__' in value;
}

/**
 * datetime/date/time/decimal/bytes -> their string; uuid -> its canonical string; base64 stays the base64
 * text (JSON has no bytes). An unknown tag is an error, as it is for kombu.
 */
export function untagKombuJson(value: JsonValue): Decoded<JsonValue> {
  return decoding(() => untag(value, '$'));
}

function untag(value: JsonValue, path: string): JsonValue {
  if (Array.isArray(value)) return value.map((v, i) => untag(v, `${path}[${i}]`));
  if (!isJsonObject(value)) return value;
  if (isKombuTagged(value)) return untagOne(value['__type__'] as JsonValue, value['__value__'] as JsonValue, path);
  const out: JsonObject = {};
  for (const key in value) setField(out, key, untag(value[key] as JsonValue, `${path}.${key}`));
  return out;
}

function untagOne(type: JsonValue, inner: JsonValue, path: string): JsonValue {
  switch (type) {
    case 'datetime':
    case 'date':
    case 'time':
    case 'decimal':
    case 'bytes':
    case 'base64':
      if (typeof inner !== 'string') throw failure(DecodeErrorCode.Invalid, `tagged ${type} must hold a string`, `${path}.__value__`);
      return inner;
    case 'uuid': {
      const hex = isJsonObject(inner) ? inner['hex'] : inner;
      if (typeof hex !== 'string' || !/^[0-9a-fA-F]{32}$/.test(hex.replaceAll('-', ''))) {
        throw failure(DecodeErrorCode.Invalid, 'tagged uuid must hold {"hex": <32 hex digits>}', `${path}.__value__`);
      }
      const h = hex.replaceAll('-', '').toLowerCase();
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    default:
      throw failure(DecodeErrorCode.Unsupported, `unknown kombu type tag ${JSON.stringify(type)}`, `${path}.__type__`);
  }
}
