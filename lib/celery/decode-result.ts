/**
 * Every decoder in lib/celery returns a Decoded<T>: the typed value, or a DecodeError that says what was
 * wrong and where. Decoders never throw on bad input; `decoding()` is the one place that turns an internal
 * failure (or any unexpected exception) into a returned error.
 */

export const DecodeErrorCode = {
  /** Bytes that are not valid JSON, base64 or UTF-8. */
  Syntax: 'syntax',
  /** A field that must be present is absent. */
  Missing: 'missing',
  /** A field of the wrong JSON type, or a value outside what Celery produces. */
  Invalid: 'invalid',
  /** A content type or encoding Pollen does not decode (pickle, yaml, msgpack, compression). */
  Unsupported: 'unsupported',
} as const;
export type DecodeErrorCode = (typeof DecodeErrorCode)[keyof typeof DecodeErrorCode];

export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly message: string;
  /** JSONPath-like location inside the message, e.g. `$.headers.retries` or `$.body[2].chain[0]`. */
  readonly path: string;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };

export function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: DecodeErrorCode, message: string, path = '$'): Decoded<T> {
  return { ok: false, error: { code, message, path } };
}

/** Thrown only inside lib/celery and caught by `decoding()`; never escapes a public decoder. */
export class DecodeFailure extends Error {
  constructor(readonly error: DecodeError) {
    super(`${error.path}: ${error.message}`);
  }
}

export function failure(code: DecodeErrorCode, message: string, path: string): DecodeFailure {
  return new DecodeFailure({ code, message, path });
}

/** Runs a decoder body; a DecodeFailure or any other exception becomes a returned DecodeError. */
export function decoding<T>(body: () => T): Decoded<T> {
  try {
    return { ok: true, value: body() };
  } catch (err) {
    return { ok: false, error: toDecodeError(err) };
  }
}

/** The DecodeError for anything a decoder body threw. */
export function toDecodeError(err: unknown): DecodeError {
  if (err instanceof DecodeFailure) return err.error;
  // A RangeError from a pathological input (stack, string length) must not take the caller down.
  const message = err instanceof Error ? err.message : String(err);
  return { code: DecodeErrorCode.Invalid, message: `cannot decode: ${message}`, path: '$' };
}

/** Unwraps a nested Decoded inside a `decoding()` body, prefixing the inner error's path. */
export function unwrap<T>(result: Decoded<T>, path = '$'): T {
  if (result.ok) return result.value;
  const inner = result.error.path === '$' ? '' : result.error.path.slice(1);
  throw new DecodeFailure({ ...result.error, path: path + inner });
}
