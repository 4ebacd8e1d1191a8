/**
 * The typed form of a task search (Flower 2.1's query language, FLOWER-API.md §2.5), as parsed once by
 * search-parser.ts and evaluated per task by search-match.ts.
 *
 *   query  := or
 *   or     := and ('OR' and)*             AND binds tighter than OR
 *   and    := primary (['AND'] primary)*  whitespace between terms means AND, as in Flower
 *   primary:= '(' or ')' | term
 *   term   := [qualifier ':'] value       value may hold "quoted phrases"
 *
 * Needles are lower-cased once here, so matching a task compares strings and compiles nothing.
 */

export const SEARCH_FIELDS = ['name', 'state', 'worker', 'args', 'kwargs', 'result'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/** Flower 2.1's limits, kept so that a query Flower refuses is refused here too. */
export const SEARCH_LIMITS = {
  /** Characters, after trimming surrounding whitespace. */
  maxLength: 2048,
  /** Terms, operators and parentheses. */
  maxTokens: 128,
  /** Levels of parentheses. */
  maxDepth: 5,
  /**
   * Characters in an unqualified substring term, which is looked for in every field and so would match
   * nearly every task when short. A qualified term (`args:10`, `name:x`) looks at one field and needs one
   * character: short ids and numbers are normal there. Flower asks 3 of both.
   */
  minFreeText: 3,
} as const;

/**
 * A case-insensitive substring of one field, or (`field` null, free text) of any of uuid, name, state,
 * worker, args, kwargs, result and exception. `result:` also looks in the exception text.
 */
export interface TextTerm {
  readonly kind: 'text';
  readonly field: Exclude<SearchField, 'state'> | null;
  /** As written, quotes removed. */
  readonly value: string;
  /** `value` lower-cased. */
  readonly needle: string;
  /** Offset of the term in the search text. */
  readonly position: number;
}

/** `state:VALUE`: the whole state, ignoring case. */
export interface StateTerm {
  readonly kind: 'state';
  readonly value: string;
  readonly needle: string;
  readonly position: number;
}

/**
 * `kwargs:key=value`: one keyword argument whose value, as Python's str() prints it, is `value` (ignoring
 * case and the spaces around both sides).
 */
export interface KwargTerm {
  readonly kind: 'kwarg';
  readonly key: string;
  readonly value: string;
  /** Lower-cased `key=value` forms that match a pair of the parsed kwargs (see search-kwargs.ts). */
  readonly pairs: readonly string[];
  /** Lower-cased `'key': value` forms looked for in a kwargs repr that cannot be parsed. */
  readonly fallback: readonly string[];
  readonly position: number;
}

export type SearchTerm = TextTerm | StateTerm | KwargTerm;

/** Every child matches. Children are distinct and never themselves `and`. */
export interface AndNode {
  readonly kind: 'and';
  readonly children: readonly SearchNode[];
}

/** Some child matches. Children are distinct and never themselves `or`. */
export interface OrNode {
  readonly kind: 'or';
  readonly children: readonly SearchNode[];
}

export type SearchNode = SearchTerm | AndNode | OrNode;

/** An empty search: every task. */
export interface MatchAll {
  readonly kind: 'all';
}

export type SearchQuery = MatchAll | SearchNode;

export interface SearchError {
  /** What is wrong, without the position. */
  readonly message: string;
  /** Offset (UTF-16 units, from 0) in the search text as given. */
  readonly position: number;
}

export type ParsedSearch = { readonly ok: true; readonly query: SearchQuery } | { readonly ok: false; readonly error: SearchError };

export class SearchSyntaxError extends Error {
  constructor(readonly error: SearchError) {
    super(`${error.message} at position ${error.position}`);
  }
}

export function syntaxError(message: string, position: number): SearchSyntaxError {
  return new SearchSyntaxError({ message, position });
}

/** The same search and field for equal nodes: Flower drops repeated terms within an AND or an OR. */
export function nodeKey(node: SearchNode): string {
  switch (node.kind) {
    case 'text':
      return `${node.field ?? '*'}:${JSON.stringify(node.value)}`;
    case 'state':
      return `state:${JSON.stringify(node.value)}`;
    case 'kwarg':
      return `kwargs:${JSON.stringify(node.key)}=${JSON.stringify(node.value)}`;
    case 'and':
    case 'or':
      return `${node.kind}(${node.children.map(nodeKey).join(' ')})`;
  }
}
