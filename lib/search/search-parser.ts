/**
 * Parses a task search (grammar in search-query.ts) into its typed form, or says what is wrong and
 * where. Follows Flower 2.1 (flower/utils/search.py): whitespace is AND, AND binds tighter than OR,
 * parentheses nest up to 5 deep, repeated terms collapse, qualifiers ignore case, unqualified terms need 3
 * characters, `state:` and `kwargs:key=value` are exact, there is no NOT and no `-term`.
 *
 * Where Pollen is stricter or looser than Flower:
 * - `word:` with an unknown qualifier (`uuid:abc`, `queue:x`) is plain text, as in Flower, so scripts
 *   written for Flower get the same answer. A qualifier counts only when written outside quotes, so
 *   `"name:x"` is that text, whereas Flower reads it as `name:x`.
 * - A qualified substring term (`args:10`, `name:x`, `worker:a`, `kwargs:k`, `result:0`) needs one
 *   character, not Flower's 3: it looks at one field, and short ids and numbers are what people search
 *   for there. A short unqualified term is refused, with a hint to qualify it.
 * - `kwargs:=value` (no key) is an error.
 * - `"-term"` (the dash quoted) searches for the text; Flower refuses every term starting with `-`.
 * Positions count from the start of the text as given (Flower's, from the text trimmed).
 */
import { kwargNeedles } from './search-kwargs';
import {
  type AndNode, nodeKey, type OrNode, type ParsedSearch, SEARCH_FIELDS, SEARCH_LIMITS, type SearchField, type SearchNode,
  type SearchQuery, SearchSyntaxError, type SearchTerm, syntaxError,
} from './search-query';
import { type Token, tokenize } from './search-tokens';

export function parseTaskSearch(text: string): ParsedSearch {
  try {
    return { ok: true, query: parse(text) };
  } catch (err) {
    if (err instanceof SearchSyntaxError) return { ok: false, error: err.error };
    throw err;
  }
}

function parse(text: string): SearchQuery {
  const from = text.length - text.trimStart().length;
  const to = text.trimEnd().length;
  if (to <= from) return { kind: 'all' };
  if (to - from > SEARCH_LIMITS.maxLength) {
    throw syntaxError(`Search is longer than ${SEARCH_LIMITS.maxLength} characters`, from + SEARCH_LIMITS.maxLength);
  }
  return new Parser(tokenize(text, from, to)).query();
}

class Parser {
  private at = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  /** A method, not a getter: TypeScript would keep a narrowed kind across `this.at++`. */
  private peek(): Token {
    return this.tokens[this.at] as Token;
  }

  query(): SearchNode {
    const node = this.or(0);
    // `or` stops only at the end or at a `)` that closes nothing.
    const stray = this.peek();
    if (stray.kind !== 'end') throw syntaxError("Unmatched ')': no '(' opens it", stray.position);
    return node;
  }

  private or(depth: number): SearchNode {
    const children = [this.and(depth)];
    while (this.peek().kind === 'or') {
      this.operand('OR');
      children.push(this.and(depth));
    }
    return combine('or', children);
  }

  private and(depth: number): SearchNode {
    const children = [this.primary(depth)];
    for (;;) {
      const kind = this.peek().kind;
      if (kind === 'end' || kind === 'rparen' || kind === 'or') break;
      if (kind === 'and') this.operand('AND');
      children.push(this.primary(depth));
    }
    return combine('and', children);
  }

  /** Steps over an operator, which must have a term or a group after it. */
  private operand(operator: 'AND' | 'OR'): void {
    const token = this.peek();
    this.at++;
    const next = this.peek().kind;
    if (next === 'end' || next === 'rparen' || next === 'and' || next === 'or') {
      throw syntaxError(`${operator} must be followed by a search term, not ${describe(this.peek())}`, token.position);
    }
  }

  private primary(depth: number): SearchNode {
    const token = this.peek();
    if (token.kind === 'lparen') {
      if (depth >= SEARCH_LIMITS.maxDepth) {
        throw syntaxError(`Parentheses nest deeper than ${SEARCH_LIMITS.maxDepth} levels`, token.position);
      }
      this.at++;
      if (this.peek().kind === 'rparen') throw syntaxError('Empty parentheses', token.position);
      const inner = this.or(depth + 1);
      if (this.peek().kind !== 'rparen') throw syntaxError("Missing ')': this '(' is never closed", token.position);
      this.at++;
      return inner;
    }
    if (token.kind !== 'term') throw syntaxError(`Expected a search term, not ${describe(token)}`, token.position);
    this.at++;
    return term(token);
  }
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the search' : `'${token.text}'`;
}

/** Flattens nested nodes of the same kind and drops repeats; one child stands alone. */
function combine(kind: 'and' | 'or', children: readonly SearchNode[]): SearchNode {
  const seen = new Set<string>();
  const flat: SearchNode[] = [];
  for (const child of children) {
    for (const node of child.kind === kind ? (child as AndNode | OrNode).children : [child]) {
      const key = nodeKey(node);
      if (seen.has(key)) continue;
      seen.add(key);
      flat.push(node);
    }
  }
  return flat.length === 1 ? (flat[0] as SearchNode) : { kind, children: flat };
}

const FIELDS: ReadonlySet<string> = new Set(SEARCH_FIELDS);

function term(token: Token): SearchTerm {
  const { text, position } = token;
  const colon = text.indexOf(':');
  let field: SearchField | null = null;
  let value = text;
  if (colon !== -1 && colon < token.plain) {
    const prefix = text.slice(0, colon);
    const name = prefix.toLowerCase();
    if (FIELDS.has(name)) {
      field = name as SearchField;
      value = text.slice(colon + 1);
    }
  }
  if (field === null && value.startsWith('-') && token.plain > 0) {
    throw syntaxError("Negation with '-' is not supported; quote the term to search for text starting with '-'", position);
  }
  if (field !== null && value.trim() === '') {
    const hint = field === 'kwargs' ? ': kwargs:key=value, or kwargs:text' : '';
    throw syntaxError(`${field}: needs a value${hint}`, position);
  }
  if (field === 'state') return { kind: 'state', value, needle: value.toLowerCase(), position };
  if (field === 'kwargs' && value.includes('=')) {
    const eq = value.indexOf('=');
    const key = value.slice(0, eq).trim();
    const expected = value.slice(eq + 1).trim();
    if (key === '') throw syntaxError(`kwargs: needs a key before '=': kwargs:key=${expected}`, position);
    return { kind: 'kwarg', key, value: expected, ...kwargNeedles(key, expected), position };
  }
  if (field === null && value.trim().length < SEARCH_LIMITS.minFreeText) {
    const example = `args:${/[\s()"]/.test(value) ? JSON.stringify(value) : value}`;
    throw syntaxError(
      `Unqualified search terms need at least ${SEARCH_LIMITS.minFreeText} characters: '${text}'. To search for a short value, qualify it: ${example} (or name:, worker:, kwargs:, result:)`,
      position,
    );
  }
  return { kind: 'text', field, value, needle: value.toLowerCase(), position };
}
