/**
 * Python reprs (args, kwargs, results as Celery's saferepr writes them) laid out on several lines when they
 * are long: brackets open a new indented level, commas between items end a line. The text is never parsed
 * into values, only re-spaced, so what is shown is exactly what the worker reported (cut reprs included).
 */

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
/** A bracketed group this short stays on one line. */
const INLINE_WIDTH = 72;
const INDENT = '  ';

interface Group {
  readonly open: number;
  readonly close: number;
}

export function layoutRepr(repr: string): string {
  if (repr.length <= INLINE_WIDTH) return repr;
  const groups = bracketGroups(repr);
  if (groups === null) return repr;
  let out = '';
  let depth = 0;
  // Depth of each group laid out over several lines; inline ones are copied as they are.
  const broken: boolean[] = [];
  let i = 0;
  while (i < repr.length) {
    const ch = repr[i] as string;
    const quote = ch === "'" || ch === '"' ? stringEnd(repr, i) : -1;
    if (quote >= 0) {
      out += repr.slice(i, quote + 1);
      i = quote + 1;
      continue;
    }
    const group = groups.get(i);
    if (group !== undefined) {
      const multiline = group.close - group.open > INLINE_WIDTH && group.close - group.open > 2;
      if (!multiline) {
        out += repr.slice(group.open, group.close + 1);
        i = group.close + 1;
        continue;
      }
      broken.push(true);
      depth++;
      out += `${ch}\n${INDENT.repeat(depth)}`;
      i++;
      continue;
    }
    if ((ch === ')' || ch === ']' || ch === '}') && broken.length > 0) {
      broken.pop();
      depth--;
      out = `${out.replace(/[ \t]+$/, '').replace(/,?\n?$/, (m) => (m.startsWith(',') ? ',' : ''))}\n${INDENT.repeat(depth)}${ch}`;
      i++;
      continue;
    }
    if (ch === ',' && depth > 0) {
      out += `,\n${INDENT.repeat(depth)}`;
      i++;
      while (repr[i] === ' ') i++;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** Index of the quote closing the string literal that opens at `start`, or -1 when it is cut. */
function stringEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/** Matching brackets by the opener's index; null when they do not balance (a cut repr): shown as it is. */
function bracketGroups(text: string): Map<number, Group> | null {
  const groups = new Map<number, Group>();
  const stack: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "'" || ch === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return null;
      i = end;
    } else if (ch in OPENERS) {
      stack.push(i);
    } else if (ch === ')' || ch === ']' || ch === '}') {
      const open = stack.pop();
      if (open === undefined || OPENERS[text[open] as string] !== ch) return null;
      groups.set(open, { open, close: i });
    }
  }
  return stack.length === 0 ? groups : null;
}
