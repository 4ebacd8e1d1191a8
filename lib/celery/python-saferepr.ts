/**
 * Celery's `saferepr` (celery/utils/saferepr.py) for JSON values: how a producer writes `argsrepr` and
 * `kwargsrepr` (§2.1) and a worker writes `result` in task-succeeded (§5.4). Python shows these strings
 * verbatim, so a TS producer must write exactly what a Python producer would for the same arguments.
 *
 * saferepr differs from Python's repr: strings are always single-quoted with only `'` escaped (no \n,
 * no \\), containers deeper than `maxlevels` become `[...]`, and once `maxlen` characters are written the
 * rest is cut: a string or number token is shortened and suffixed with `...`, then `, ...` and the closing
 * brackets follow. Proven against Python's own saferepr in python-saferepr.integration.test.ts.
 */
import type { JsonObject, JsonValue } from './json';

export interface SafereprOptions {
  /** Characters (code points) to write before cutting; Celery uses 1024. Unlimited when absent. */
  readonly maxlen?: number;
  /** Container depth shown in full; Celery's default is 3. */
  readonly maxlevels?: number;
  /** Write a top-level array as a Python tuple, as Celery's `args` are. */
  readonly tuple?: boolean;
}

interface Literal {
  readonly lit: string;
  /** Separators may be dropped once maxlen is reached; brackets are always closed. */
  readonly truncatable: boolean;
  readonly direction: 1 | 0 | -1;
}
interface Key {
  readonly key: string;
}
interface Quoted {
  readonly quoted: string;
}
interface Raw {
  readonly value: JsonValue;
  readonly tuple?: boolean;
}
type Item = Literal | Key | Raw;
type Token = Literal | Key | Quoted | string;

const lit = (text: string, truncatable: boolean, direction: 1 | 0 | -1): Literal => ({ lit: text, truncatable, direction });
const LIST_SEP = lit(', ', true, 0);
const KV_SEP = lit(': ', true, 0);

function* listItems(items: JsonValue[]): Generator<Item> {
  for (let i = 0; i < items.length; i++) {
    yield { value: items[i] as JsonValue };
    if (i < items.length - 1) yield LIST_SEP;
  }
}

function* dictItems(obj: JsonObject): Generator<Item> {
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    yield { key };
    yield KV_SEP;
    yield { value: obj[key] as JsonValue };
    if (i < keys.length - 1) yield LIST_SEP;
  }
}

function* sequence(start: Literal, items: Iterator<Item>, end: Literal, rest: Iterator<Item>): Generator<Item> {
  yield start;
  for (let r = items.next(); !r.done; r = items.next()) yield r.value;
  yield end;
  for (let r = rest.next(); !r.done; r = rest.next()) yield r.value;
}

/** Depth-first tokens with the iterator that produced each, so a cut can still close open brackets. */
function* tokens(root: Raw, maxlevels: number): Generator<[Token, Iterator<Item>]> {
  let current: Iterator<Item> = [root][Symbol.iterator]();
  let level = 0;
  for (;;) {
    let descended = false;
    for (let r = current.next(); !r.done; r = current.next()) {
      const item = r.value;
      if ('lit' in item) {
        level += item.direction;
        yield [item, current];
        continue;
      }
      if ('key' in item) {
        yield [item, current];
        continue;
      }
      const value = item.value;
      if (value === null) yield ['None', current];
      else if (typeof value === 'boolean') yield [value ? 'True' : 'False', current];
      else if (typeof value === 'number') yield [pythonNumber(value), current];
      else if (typeof value === 'string') yield [{ quoted: value }, current];
      else {
        const isArray = Array.isArray(value);
        const tuple = isArray && item.tuple === true;
        const start = isArray ? lit(tuple ? '(' : '[', false, 1) : lit('{', false, 1);
        const end = tuple ? lit((value as JsonValue[]).length === 1 ? ',)' : ')', false, -1) : lit(isArray ? ']' : '}', false, -1);
        if (maxlevels && level >= maxlevels) {
          yield [`${start.lit}...${end.lit}`, current];
          continue;
        }
        const items = isArray ? listItems(value as JsonValue[]) : dictItems(value as JsonObject);
        current = sequence(start, items, end, current);
        descended = true;
        break;
      }
    }
    if (!descended) return;
  }
}

export function saferepr(value: JsonValue, options: SafereprOptions = {}): string {
  const maxlevels = options.maxlevels ?? 3;
  let remaining = options.maxlen ?? null;
  let out = '';
  for (const [token, producer] of tokens({ value, tuple: options.tuple ?? false }, maxlevels)) {
    if (remaining !== null && remaining <= 0) {
      out += ', ...';
      for (let r = producer.next(); !r.done; r = producer.next()) {
        const item = r.value;
        if ('lit' in item && !item.truncatable) out += item.lit;
      }
      break;
    }
    let text: string;
    if (typeof token === 'string') text = truncate(token, remaining);
    else if ('lit' in token) text = token.lit;
    else if ('key' in token) text = saferepr(token.key, { maxlen: remaining ?? undefined, maxlevels });
    else text = `'${truncate(token.quoted, remaining).replaceAll("'", "\\'")}'`;
    out += text;
    if (remaining !== null) remaining -= codePoints(text);
  }
  return out;
}

function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** celery.utils.text.truncate: cut at maxlen code points, back to the last space, then add '...'. */
function truncate(text: string, maxlen: number | null): string {
  if (!maxlen || codePoints(text) < maxlen) return text;
  const head = Array.from(text).slice(0, maxlen).join('');
  const space = head.lastIndexOf(' ');
  return (space === -1 ? head : head.slice(0, space)) + '...';
}

/** Python's str() of a number that came out of JSON: integers as ints, others as repr(float). */
export function pythonNumber(n: number): string {
  if (Number.isInteger(n)) return Object.is(n, -0) ? '-0.0' : BigInt(n).toString();
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const [mantissa = '', exponent = '0'] = n.toExponential().split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const exp = Number(exponent);
  let body: string;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      body = `${whole}.${digits.slice(exp + 1) || '0'}`;
    } else {
      body = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    body = `${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return negative ? `-${body}` : body;
}

