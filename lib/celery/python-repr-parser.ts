/**
 * The grammar of Python reprs (see python-repr.ts for what is parsed and why): a recursive-descent parser
 * over the text, with bounded nesting, that evaluates nothing and fails with a located ReprError.
 */
import { type JsonObject, type JsonValue, setField } from './json';
import { construct, type Dotted, tzinfoFromAngleRepr } from './python-repr-objects';
import {
  type CallArguments, PyObject, PySet, PyTuple, type PyValue, ReprErrorCode, type ReprOptions, reprFailure,
} from './python-repr-values';

/** Deep enough for any real argument list; shallow enough that recursion cannot exhaust the stack. */
const MAX_DEPTH = 200;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class Parser {
  pos = 0;
  private depth = 0;
  private saferepr: boolean;

  /** Offsets of `\'` inside saferepr strings that could also be a backslash ending the string. */
  readonly ambiguousQuotes: number[] = [];

  constructor(
    private readonly text: string,
    private readonly options: ReprOptions,
    private readonly closeAt: ReadonlySet<number> = new Set(),
  ) {
    this.saferepr = (options.flavour ?? 'saferepr') === 'saferepr';
  }

  private fail(code: ReprErrorCode, message: string, offset = this.pos): never {
    throw reprFailure(code, message, offset);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  private expectMore(context: string): void {
    if (this.pos >= this.text.length) this.fail(ReprErrorCode.Truncated, `input ends inside ${context}`);
  }

  document(): PyValue {
    const value = this.value();
    this.end();
    return value;
  }

  end(): void {
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(ReprErrorCode.Syntax, `unexpected ${JSON.stringify(this.peek())} after the value`);
  }

  value(): PyValue {
    this.skipSpace();
    this.expectMore('a value');
    const ch = this.peek();
    if (ch === "'" || ch === '"') return this.string(this.saferepr && ch === "'", false);
    if ((ch === 'b' || ch === 'B') && (this.text[this.pos + 1] === "'" || this.text[this.pos + 1] === '"')) {
      this.pos++;
      return this.string(this.saferepr && this.peek() === "'", true);
    }
    if (/[0-9+-]/.test(ch) || (ch === '.' && /[0-9]/.test(this.text[this.pos + 1] ?? ''))) return this.number();
    if (ch === '.') {
      this.failIfCut();
      this.fail(ReprErrorCode.Syntax, "unexpected '.'");
    }
    if (ch === '(' || ch === '[' || ch === '{') return this.container(ch);
    // saferepr can write an empty token before its cut mark: `[0, 1, , ...]`.
    if (ch === ',') this.failIfCut(true);
    if (ch === '<') return this.angle();
    if (/[A-Za-z_]/.test(ch)) return this.name();
    return this.fail(ReprErrorCode.Syntax, `unexpected ${JSON.stringify(ch)}`);
  }

  /** saferepr's cut mark at the current position: `...`, or (`afterDroppedToken`) `, ...`. */
  private failIfCut(afterDroppedToken = false): void {
    const mark = afterDroppedToken ? /^,\s*\.\.\./ : /^\.\.\./;
    if (mark.test(this.text.slice(this.pos, this.pos + 8))) this.fail(ReprErrorCode.Truncated, "'...' marks a cut repr");
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(ReprErrorCode.TooDeep, `nesting deeper than ${MAX_DEPTH}`);
  }

  private container(open: '(' | '[' | '{'): PyValue {
    const start = this.pos;
    const close = open === '(' ? ')' : open === '[' ? ']' : '}';
    const what = open === '(' ? 'a tuple' : open === '[' ? 'a list' : 'a dict or set';
    this.enter();
    this.pos++;
    const items: PyValue[] = [];
    const keys: PyValue[] = [];
    let isDict: boolean | null = open === '{' ? null : false;
    let trailingComma = false;
    for (;;) {
      this.skipSpace();
      this.expectMore(what);
      if (this.peek() === close) {
        this.pos++;
        break;
      }
      if (items.length > 0 && !trailingComma) this.fail(ReprErrorCode.Syntax, `expected ',' or '${close}' in ${what}`);
      const itemStart = this.pos;
      const item = this.value();
      this.skipSpace();
      if (isDict !== false) {
        this.expectMore(what);
        if (isDict === null) isDict = this.peek() === ':';
        if (isDict) {
          if (this.peek() !== ':') {
            // saferepr drops the ': ' after a key when the cut falls there: `{'a': 1, 'b', ...}`.
            this.failIfCut(true);
            this.fail(ReprErrorCode.Syntax, "expected ':' in a dict");
          }
          this.pos++;
          keys.push(this.dictKey(item, itemStart));
          items.push(this.value());
          this.skipSpace();
        }
      }
      if (!isDict) items.push(item);
      this.expectMore(what);
      trailingComma = this.peek() === ',';
      if (trailingComma) this.pos++;
    }
    this.depth--;
    if (open === '[') return items;
    if (open === '(') return items.length === 1 && !trailingComma ? (items[0] as PyValue) : new PyTuple(items);
    if (!isDict) return isDict === null ? {} : new PySet(items);
    const obj: JsonObject = {};
    items.forEach((v, i) => {
      setField(obj, keys[i] as string, this.json(v, start));
    });
    return obj;
  }

  /** A dict key as Python's json.dumps writes it: str as is; int, float, bool and None as text. */
  private dictKey(key: PyValue, offset: number): string {
    if (typeof key === 'string') return key;
    if (typeof key === 'number') return this.text.slice(offset, this.pos).replace(/\s*:$/, '').trim().replace(/^\+/, '');
    if (key === true) return 'true';
    if (key === false) return 'false';
    if (key === null) return 'null';
    return this.fail(ReprErrorCode.Unrepresentable, 'a dict key that is not str, int, float, bool or None has no JSON form', offset);
  }

  private number(): PyValue {
    const start = this.pos;
    const ahead = this.text.slice(this.pos, this.pos + 400);
    // saferepr cuts a number token anywhere and appends '...': `-...`, `4....`, `1.5e-...`.
    if ((/^[+\-\w.]*/.exec(ahead)?.[0] ?? '').includes('...')) this.fail(ReprErrorCode.Truncated, 'a number was cut by saferepr', start);
    const match = /^[+-]?(?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(ahead);
    if (!match) return this.fail(ReprErrorCode.Syntax, 'malformed number');
    const raw = match[0];
    this.pos += raw.length;
    const next = this.peek();
    if (next === 'j' || next === 'J') this.fail(ReprErrorCode.Unrepresentable, 'complex numbers have no JSON form', start);
    if (/[\w.]/.test(next)) this.fail(ReprErrorCode.Syntax, 'malformed number', start);
    if (/inf|nan/.test(raw)) this.fail(ReprErrorCode.Unrepresentable, `${raw} has no JSON form`, start);
    const isInt = /^[+-]?\d+$/.test(raw);
    if (isInt) {
      const digits = raw.replace(/^[+-]/, '').replace(/^0+(?=\d)/, '');
      if (digits.length > 16 || Math.abs(Number(raw)) > MAX_SAFE) {
        this.fail(ReprErrorCode.Unrepresentable, `integer ${raw} is beyond 2^53 and would change in JSON`, start);
      }
    }
    return Number(raw);
  }

  /** Strings and bytes. `safe`: saferepr's quoting, where only \' is an escape. */
  private string(safe: boolean, bytes: boolean): PyValue {
    const start = this.pos;
    const quote = this.peek();
    this.pos++;
    let out = '';
    const byteValues: number[] = [];
    const emit = (code: number): void => {
      if (bytes) byteValues.push(code);
      else out += String.fromCodePoint(code);
    };
    for (;;) {
      if (this.pos >= this.text.length) this.fail(ReprErrorCode.Truncated, 'input ends inside a string', start);
      const ch = this.text[this.pos] as string;
      if (ch === quote) {
        this.pos++;
        break;
      }
      if (ch === '\\' && safe) {
        if (this.text[this.pos + 1] === "'" && this.closeAt.has(this.pos)) {
          out += '\\';
          this.pos += 2;
          break;
        }
        if (this.text[this.pos + 1] === "'") {
          this.ambiguousQuotes.push(this.pos);
          out += "'";
          this.pos += 2;
        } else {
          out += '\\';
          this.pos++;
        }
        continue;
      }
      if (ch === '\\') {
        this.escape(bytes, emit);
        continue;
      }
      if (!safe && (ch === '\n' || ch === '\r')) this.fail(ReprErrorCode.Syntax, 'line break inside a string', this.pos);
      if (safe) out += ch;
      else if (bytes) {
        const code = ch.charCodeAt(0);
        if (code > 0x7f) this.fail(ReprErrorCode.Syntax, 'non-ASCII character in a bytes literal', this.pos);
        byteValues.push(code);
      } else out += ch;
      this.pos++;
    }
    if (safe && out.endsWith('...')) {
      this.fail(ReprErrorCode.Truncated, "string ends with '...', which is how saferepr marks a cut string", start);
    }
    if (!bytes) return out;
    if (safe) {
      if (/^(?:[0-9a-f]{2})+$/.test(out)) {
        this.fail(ReprErrorCode.Ambiguous, 'saferepr writes non-UTF-8 bytes as hex, so these bytes may be text or binary', start);
      }
      return out;
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(byteValues));
    } catch {
      return this.fail(ReprErrorCode.Unrepresentable, 'bytes that are not UTF-8 text have no JSON form', start);
    }
  }

  private escape(bytes: boolean, emit: (code: number) => void): void {
    const at = this.pos;
    const next = this.text[this.pos + 1];
    if (next === undefined) this.fail(ReprErrorCode.Truncated, 'input ends inside an escape', at);
    this.pos += 2;
    const simple: Record<string, number> = { '\\': 92, "'": 39, '"': 34, n: 10, r: 13, t: 9, a: 7, b: 8, f: 12, v: 11 };
    if (next in simple) return emit(simple[next] as number);
    if (next === '\n') return;
    if (/[0-7]/.test(next)) {
      let digits = next;
      while (digits.length < 3 && /[0-7]/.test(this.peek())) digits += this.text[this.pos++];
      return emit(parseInt(digits, 8));
    }
    const width = next === 'x' ? 2 : !bytes && next === 'u' ? 4 : !bytes && next === 'U' ? 8 : 0;
    if (width > 0) {
      const hex = this.text.slice(this.pos, this.pos + width);
      if (hex.length < width) this.fail(ReprErrorCode.Truncated, 'input ends inside an escape', at);
      if (!/^[0-9a-fA-F]+$/.test(hex)) this.fail(ReprErrorCode.Syntax, `bad \\${next} escape`, at);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) this.fail(ReprErrorCode.Syntax, `bad \\${next} escape`, at);
      this.pos += width;
      return emit(code);
    }
    if (next === 'N') this.fail(ReprErrorCode.Syntax, '\\N{...} escapes are not supported', at);
    // Python keeps unknown escapes as they are (a backslash and the character).
    emit(92);
    emit(next.codePointAt(0) as number);
  }

  private angle(): PyValue {
    const start = this.pos;
    const close = this.text.indexOf('>', this.pos);
    if (close === -1) this.fail(ReprErrorCode.NotLiteral, "'<...>' reprs are objects, not literals", start);
    const inner = this.text.slice(this.pos + 1, close);
    const tz = tzinfoFromAngleRepr(inner);
    if (tz === null) this.fail(ReprErrorCode.NotLiteral, `<${inner.slice(0, 40)}> is an object, not a literal`, start);
    this.pos = close + 1;
    return tz;
  }

  private name(): PyValue {
    const start = this.pos;
    const match = /^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*/.exec(this.text.slice(this.pos, this.pos + 200));
    const name = (match as RegExpExecArray)[0];
    this.pos += name.length;
    this.failIfCut();
    if (name === 'True') return true;
    if (name === 'False') return false;
    if (name === 'None') return null;
    if (name === 'inf' || name === 'nan') this.fail(ReprErrorCode.Unrepresentable, `${name} has no JSON form`, start);
    if (this.peek() !== '(') return construct(name as Dotted, null, start, this.options.types ?? 'plain');
    const args = this.arguments();
    return construct(name as Dotted, args, start, this.options.types ?? 'plain');
  }

  /** `(a, b, key=c)` of a call; the values inside were written by Python's repr, whatever the flavour. */
  arguments(): CallArguments {
    this.enter();
    this.pos++;
    const positional: PyValue[] = [];
    const keywords: Record<string, PyValue> = {};
    const outer = this.saferepr;
    this.saferepr = false;
    for (;;) {
      this.skipSpace();
      this.expectMore('a call');
      if (this.peek() === ')') {
        this.pos++;
        break;
      }
      const keyword = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(this.text.slice(this.pos, this.pos + 100));
      if (keyword) {
        this.pos += keyword[0].length;
        keywords[keyword[1] as string] = this.value();
      } else positional.push(this.value());
      this.skipSpace();
      this.expectMore('a call');
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ')') this.fail(ReprErrorCode.Syntax, "expected ',' or ')' in a call");
    }
    this.saferepr = outer;
    this.depth--;
    return { positional, keywords };
  }

  /** The JSON form of a parsed value, as Celery's JSON serializer would have written it. */
  json(value: PyValue, offset: number): JsonValue {
    if (value instanceof PyTuple || value instanceof PySet) return value.items.map((v) => this.json(v, offset));
    if (value instanceof PyObject) return value.toJson(offset);
    if (Array.isArray(value)) return value.map((v) => this.json(v, offset));
    return value;
  }
}
