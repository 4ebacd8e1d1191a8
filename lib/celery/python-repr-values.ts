/** The values and errors of the Python repr parser (python-repr.ts), shared with python-repr-objects.ts. */
import type { JsonObject, JsonPrimitive, JsonValue } from './json';

export const ReprErrorCode = {
  /** The repr was cut (saferepr's maxlen or maxlevels, or the text simply ends). */
  Truncated: 'truncated',
  /** Something that is not a Python literal: `<...>` reprs, unknown calls, bare names. */
  NotLiteral: 'not-literal',
  /** A literal with no exact JSON form: big ints, inf/nan, complex, non-UTF-8 bytes, tuple keys. */
  Unrepresentable: 'unrepresentable',
  /** saferepr bytes that may be text or hex (saferepr writes non-UTF-8 bytes as hex digits). */
  Ambiguous: 'ambiguous',
  Syntax: 'syntax',
  TooDeep: 'too-deep',
} as const;
export type ReprErrorCode = (typeof ReprErrorCode)[keyof typeof ReprErrorCode];

export interface ReprError {
  readonly code: ReprErrorCode;
  readonly message: string;
  /** Offset in the input (UTF-16 units) where the problem starts. */
  readonly offset: number;
}

export type ReprResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ReprError };

export interface ReprOptions {
  /**
   * `saferepr` (default): Celery's saferepr output (args, kwargs, result): single-quoted strings where only
   * `\'` is an escape. `repr`: Python's own repr (exceptions), with the usual string escapes.
   */
  readonly flavour?: 'saferepr' | 'repr';
  /**
   * How datetime, date, time, Decimal and UUID values are returned. `plain` (default): the strings kombu
   * 5.2's JSON encoder writes. `kombu-tagged`: `{"__type__": ..., "__value__": ...}` as kombu >= 5.3 writes
   * them, so that a Python worker decodes them back to the same type.
   */
  readonly types?: 'plain' | 'kombu-tagged';
}

export class ReprFailure extends Error {
  constructor(readonly error: ReprError) {
    super(error.message);
  }
}

export function reprFailure(code: ReprErrorCode, message: string, offset: number): ReprFailure {
  return new ReprFailure({ code, message, offset });
}

/** A Python object that is not a JSON value as such (datetime, Decimal, timedelta, ...). */
export abstract class PyObject {
  abstract toJson(offset: number): JsonValue;
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export class PySet {
  constructor(readonly items: PyValue[]) {}
}

/** What a Python expression evaluates to before it is turned into JSON. */
export type PyValue = JsonPrimitive | JsonObject | PyValue[] | PyObject | PyTuple | PySet;

export interface CallArguments {
  readonly positional: PyValue[];
  readonly keywords: Record<string, PyValue>;
}
