/**
 * Splits a task search into tokens, as Flower 2.1 does: parentheses, the upper-case words AND and OR,
 * and terms. A term runs to the next whitespace or parenthesis outside double quotes; quotes may open
 * and close anywhere inside it (`args:"a b"`, `"a b"c`) and are dropped; `\"` and `\\` stand for `"` and
 * `\`. Quoted AND/OR are terms.
 */
import { SEARCH_LIMITS, syntaxError } from './search-query';

export type TokenKind = 'term' | 'and' | 'or' | 'lparen' | 'rparen' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** A term's text with quotes and escapes resolved; the operator or parenthesis otherwise. */
  readonly text: string;
  readonly position: number;
  /** How many leading characters of `text` were written outside quotes. */
  readonly plain: number;
}

/** Python's str.isspace over what a search can hold. */
const SPACE = /\s/;

export function tokenize(search: string, from: number, to: number): Token[] {
  const tokens: Token[] = [];
  const push = (token: Token): void => {
    if (tokens.length >= SEARCH_LIMITS.maxTokens) {
      throw syntaxError(`Search has more than ${SEARCH_LIMITS.maxTokens} terms, operators and parentheses`, token.position);
    }
    tokens.push(token);
  };
  let i = from;
  while (i < to) {
    const ch = search[i] as string;
    if (SPACE.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')') {
      push({ kind: ch === '(' ? 'lparen' : 'rparen', text: ch, position: i, plain: 1 });
      i++;
      continue;
    }
    const term = readTerm(search, i, to);
    push(term.token);
    i = term.next;
  }
  tokens.push({ kind: 'end', text: '', position: to, plain: 0 });
  return tokens;
}

function readTerm(search: string, start: number, to: number): { token: Token; next: number } {
  let text = '';
  let plain = -1;
  let openQuote = -1;
  let i = start;
  while (i < to) {
    const ch = search[i] as string;
    const after = search[i + 1];
    if (ch === '\\' && i + 1 < to && (after === '"' || after === '\\')) {
      text += after;
      i += 2;
      continue;
    }
    if (ch === '"') {
      if (plain === -1) plain = text.length;
      openQuote = openQuote === -1 ? i : -1;
      i++;
      continue;
    }
    if (openQuote === -1 && (ch === '(' || ch === ')' || SPACE.test(ch))) break;
    text += ch;
    i++;
  }
  if (openQuote !== -1) throw syntaxError('Unterminated quoted phrase: this " has no closing quote', openQuote);
  const quoted = plain !== -1;
  if (text === '') throw syntaxError('Empty search term ""', start);
  if (!quoted && text === 'NOT') throw syntaxError('NOT is not supported: the search language has no negation', start);
  const kind: TokenKind = !quoted && text === 'AND' ? 'and' : !quoted && text === 'OR' ? 'or' : 'term';
  return { token: { kind, text, position: start, plain: quoted ? plain : text.length }, next: i };
}
