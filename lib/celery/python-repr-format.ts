/**
 * Python's own repr() of JSON values (not Celery's saferepr: no cuts, Python's quoting and escapes), as
 * Python prints exception args and the reprs inside ChordError messages.
 */
import type { JsonValue } from './json';
import { pythonNumber } from './python-saferepr';

/** Python's `repr()` of a JSON value (not Celery's saferepr: no truncation, Python's quoting and escapes). */
export function pythonRepr(value: JsonValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`)
    .join(', ')}}`;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** Not printable for Python's str.isprintable: categories C* and Z* (except the space). */
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

/** repr() of a str: single quotes unless it holds ' and no ", escapes for what str.isprintable() refuses. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const escape = ESCAPES[ch];
    if (escape) out += escape;
    else if (ch === quote) out += `\\${ch}`;
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) out += hexEscape(ch.codePointAt(0) as number);
    else out += ch;
  }
  return out + quote;
}

function hexEscape(code: number): string {
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}
