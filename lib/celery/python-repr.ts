/**
 * A safe parser for the Python reprs Celery puts in messages and events, turning literals into JSON
 * values: `argsrepr`/`kwargsrepr` and `task-received` args/kwargs, `task-succeeded` result (all written
 * by Celery's saferepr, see python-saferepr.ts), and `task-failed` exception (Python's repr).
 *
 * It never evaluates anything and never guesses. Input that was cut by saferepr (`...`, an unclosed
 * bracket, a string ending in `...`), objects that are not literals (`<object at 0x..>`, `Point(x=1)`),
 * and values JSON cannot hold exactly (ints beyond 2^53, inf, tuple keys) are reported with an offset.
 * Each reading is linear in the input, readings are capped, and nesting is bounded, so hostile input
 * costs little.
 */
import type { JsonValue } from './json';
import { Parser } from './python-repr-parser';
import { ReprErrorCode, type ReprError, ReprFailure, type ReprOptions } from './python-repr-values';

export { ReprErrorCode, type ReprError, type ReprOptions } from './python-repr-values';

export type ReprResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ReprError };

/** How many readings of ambiguous `\'` (see Parser.string) are tried before giving up. */
const MAX_READINGS = 16;

export function parsePythonRepr(text: string, options: ReprOptions = {}): ReprResult<JsonValue> {
  // saferepr does not escape backslashes, so `\'` is an escaped quote or a string ending in a backslash.
  // The escape is read first; when that reading fails, each ambiguous spot is re-read as a closing quote.
  // The first reading that parses wins. If none does, a reading that failed only on a cut or a non-literal
  // is consistent and explains best; among equals, the one that got furthest.
  let best: ReprResult<JsonValue> | null = null;
  const queue: ReadonlySet<number>[] = [new Set()];
  const tried = new Set<string>();
  for (let readings = 0; queue.length > 0 && readings < MAX_READINGS; readings++) {
    const closeAt = queue.shift() as ReadonlySet<number>;
    const parser = new Parser(text, options, closeAt);
    const result = run(() => parser.json(parser.document(), 0));
    if (result.ok) return result;
    if (best === null || (!best.ok && explainsBetter(result.error, best.error))) best = result;
    for (const spot of parser.ambiguousQuotes) {
      const next = new Set([...closeAt, spot]);
      const key = [...next].sort((a, b) => a - b).join(',');
      if (!closeAt.has(spot) && !tried.has(key)) {
        tried.add(key);
        queue.push(next);
      }
    }
  }
  return best as ReprResult<JsonValue>;
}

export interface ExceptionRepr {
  /** The exception class as written, e.g. `ValueError` or `myapp.errors.Oops`. */
  readonly type: string;
  /** The exception's args when they are all literals, else null with the reason in `argsError`. */
  readonly args: JsonValue[] | null;
  readonly argsError: ReprError | null;
}

/** Parses `ValueError('boom')`-style reprs (task-failed/task-retried `exception`). */
export function parseExceptionRepr(text: string): ReprResult<ExceptionRepr> {
  const match = /^\s*([A-Za-z_][\w.]*)\(/.exec(text);
  if (!match) return { ok: false, error: { code: ReprErrorCode.Syntax, message: 'not an exception repr: expected Name(...)', offset: 0 } };
  const type = match[1] as string;
  const args = run(() => {
    const parser = new Parser(text, { flavour: 'repr' });
    parser.pos = match[0].length - 1;
    const values = parser.arguments().positional;
    parser.end();
    return values.map((v, i) => parser.json(v, i));
  });
  return { ok: true, value: args.ok ? { type, args: args.value, argsError: null } : { type, args: null, argsError: args.error } };
}

function explainsBetter(a: ReprError, b: ReprError): boolean {
  const consistent = (e: ReprError): boolean => e.code !== ReprErrorCode.Syntax;
  if (consistent(a) !== consistent(b)) return consistent(a);
  return a.offset > b.offset;
}

function run<T>(body: () => T): ReprResult<T> {
  try {
    return { ok: true, value: body() };
  } catch (err) {
    if (err instanceof ReprFailure) return { ok: false, error: err.error };
    // A RangeError (stack or string size) or any slip of this parser is still an answer, never a throw.
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof RangeError ? ReprErrorCode.TooDeep : ReprErrorCode.Syntax;
    return { ok: false, error: { code, message: `cannot parse: ${message}`, offset: 0 } };
  }
}
