/**
 * `kwargs:key=value` on both sides: the forms a query pair is looked for in, and a task's kwargs repr
 * read into `key=value` pairs. Like Flower, a pair is the key and Python's str() of the value, lower-
 * cased: `kwargs:priority=HIGH` finds {'priority': 'high'}, `kwargs:n=none` finds {'n': None}, and
 * `kwargs:"k=[1, 2]"` finds {'k': [1, 2]}.
 *
 * Beyond Flower: a query value that is itself a Python literal also matches in its canonical form
 * (`k='high'`, `k=(1,2)`, `x=1.0`), and a kwargs repr that does not parse (cut by saferepr, or holding
 * objects that are not literals) is searched for the pair's text instead of never matching.
 */
import { type JsonValue, parsePythonRepr, pythonRepr } from '@/lib/celery';

/** Python's str() of a value read from a repr: text as is, anything else as its repr. */
function pythonStr(value: JsonValue): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

function isObject(value: JsonValue): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface KwargNeedles {
  readonly pairs: readonly string[];
  readonly fallback: readonly string[];
}

/** The needles of `kwargs:key=value`; `key` and `value` are already trimmed. */
export function kwargNeedles(key: string, value: string): KwargNeedles {
  const k = key.toLowerCase();
  const literal = parsePythonRepr(value, { flavour: 'repr' });
  const pairs = new Set([`${k}=${value.toLowerCase()}`]);
  const fallback = new Set([`'${k}': '${value.toLowerCase()}'`, `'${k}': ${value.toLowerCase()}`]);
  if (literal.ok) {
    pairs.add(`${k}=${pythonStr(literal.value).toLowerCase()}`);
    fallback.add(`'${k}': ${pythonRepr(literal.value).toLowerCase()}`);
  }
  return { pairs: [...pairs], fallback: [...fallback] };
}

interface ReadKwargs {
  readonly source: string;
  /** Null when the repr does not parse: then the fallback needles are searched in its text. */
  readonly pairs: ReadonlySet<string> | null;
}

/** Parsed kwargs by task: a repr rarely changes, and parsing it is the costly part of a kwargs search. */
const cache = new WeakMap<object, ReadKwargs>();

/** The `key=value` pairs of a task's kwargs repr; empty when it is not a dict; null when it does not parse. */
export function kwargsPairs(task: object, kwargs: string): ReadonlySet<string> | null {
  const cached = cache.get(task);
  if (cached !== undefined && cached.source === kwargs) return cached.pairs;
  const parsed = parsePythonRepr(kwargs);
  let pairs: Set<string> | null = null;
  if (parsed.ok) {
    pairs = new Set();
    if (isObject(parsed.value)) {
      for (const [key, value] of Object.entries(parsed.value)) pairs.add(`${key.toLowerCase()}=${pythonStr(value).toLowerCase()}`);
    }
  }
  cache.set(task, { source: kwargs, pairs });
  return pairs;
}

/** Whether `text` (lower-cased) holds `needle` followed by the end of the value: `,`, `}` or the end. */
export function holdsPairText(text: string, needle: string): boolean {
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const next = text[at + needle.length];
    if (next === undefined || next === ',' || next === '}') return true;
  }
  return false;
}
