/**
 * Python reprs (args, kwargs, results as Celery's saferepr writes them) laid out on several lines when they
 * are long: brackets open a new indented level, commas between items end a line. The text is never parsed
 * into values, only re-spaced, so what is shown is exactly what the worker reported (cut reprs included).
 *
 * Any producer writes these reprs, so a hostile one can nest them thousands deep. The layout is one pass
 * with no recursion, indents at most MAX_INDENT_DEPTH levels (deeper groups stay on their line as they
 * are), and stops at `limit` characters: its time and output are linear in the repr, never in depth².
 */

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
/** A bracketed group this short stays on one line. */
const INLINE_WIDTH = 72;
const INDENT = '  ';
/** Deeper groups are copied on one line: more indentation would only push the text off the screen. */
export const MAX_INDENT_DEPTH = 8;

export interface ReprLayout {
  readonly text: string;
  /** The layout stopped at the limit: there is more to show. */
  readonly cut: boolean;
}

/** `repr` laid out on lines, at most `limit` characters of it (the rest on a "show more"). */
export function layoutRepr(repr: string, limit = Number.POSITIVE_INFINITY): ReprLayout {
  if (repr.length <= INLINE_WIDTH) return { text: repr, cut: false };
  const closes = bracketCloses(repr);
  if (closes === null) return plainText(repr, limit);
  const parts: string[] = [];
  let length = 0;
  const emit = (text: string): void => {
    parts.push(text);
    length += text.length;
  };
  let depth = 0;
  // A line ends before the next token: emitted lazily so that a closing bracket takes its place.
  let lineBreak = false;
  const token = (text: string): void => {
    if (lineBreak) emit(`\n${INDENT.repeat(depth)}`);
    lineBreak = false;
    emit(text);
  };
  let i = 0;
  while (i < repr.length && length < limit) {
    const ch = repr[i] as string;
    if (ch === "'" || ch === '"') {
      const end = stringEnd(repr, i);
      token(repr.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    const close = closes.get(i);
    if (close !== undefined) {
      if (close - i <= INLINE_WIDTH || depth >= MAX_INDENT_DEPTH) {
        token(repr.slice(i, close + 1));
        i = close + 1;
        continue;
      }
      token(ch);
      depth++;
      lineBreak = true;
      i++;
      continue;
    }
    if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) {
      // Only the closers of groups laid out over lines get here: the others were copied with their opener.
      depth--;
      lineBreak = true;
      token(ch);
      i++;
      continue;
    }
    if (ch === ',' && depth > 0) {
      token(',');
      lineBreak = true;
      i++;
      while (repr[i] === ' ') i++;
      continue;
    }
    if (ch === ' ' && lineBreak) {
      i++;
      continue;
    }
    token(ch);
    i++;
  }
  const text = parts.join('');
  const cut = i < repr.length || text.length > limit;
  return { text: cut ? text.slice(0, limit) : text, cut };
}

/** Text shown as it is, up to `limit` characters (a traceback, a cut repr). */
export function plainText(text: string, limit = Number.POSITIVE_INFINITY): ReprLayout {
  return text.length > limit ? { text: text.slice(0, limit), cut: true } : { text, cut: false };
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

/** The closing bracket's index by its opener's; null when they do not balance (a cut repr): shown as it is. */
function bracketCloses(text: string): Map<number, number> | null {
  const closes = new Map<number, number>();
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
      closes.set(open, i);
    }
  }
  return stack.length === 0 ? closes : null;
}
