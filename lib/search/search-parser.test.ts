import { describe, expect, it } from 'vitest';
import { parseTaskSearch } from './search-parser';
import type { SearchQuery } from './search-query';

/** A query as a short S-expression: "free text", field:"text", state=X, kwargs[k]=v, (AND ..), (OR ..). */
function show(query: SearchQuery): string {
  switch (query.kind) {
    case 'all':
      return '*';
    case 'text':
      return `${query.field === null ? '' : `${query.field}:`}${JSON.stringify(query.value)}`;
    case 'state':
      return `state=${query.value}`;
    case 'kwarg':
      return `kwargs[${query.key}]=${query.value}`;
    case 'and':
    case 'or':
      return `(${query.kind.toUpperCase()} ${query.children.map(show).join(' ')})`;
  }
}

function parsed(text: string): SearchQuery {
  const result = parseTaskSearch(text);
  if (!result.ok) throw new Error(`${text}: ${result.error.message} at ${result.error.position}`);
  return result.query;
}

describe('parseTaskSearch: queries to AST', () => {
  it.each([
    ['', '*'],
    ['   \t ', '*'],
    ['email', '"email"'],
    ['  email  ', '"email"'],
    ['email invoice', '(AND "email" "invoice")'],
    ['email AND invoice', '(AND "email" "invoice")'],
    ['invoice OR receipt', '(OR "invoice" "receipt")'],
    // AND binds tighter than OR, whether written or implied.
    ['first OR second third', '(OR "first" (AND "second" "third"))'],
    ['first second OR third', '(OR (AND "first" "second") "third")'],
    ['first AND second OR third AND fourth', '(OR (AND "first" "second") (AND "third" "fourth"))'],
    ['(first OR second) third', '(AND (OR "first" "second") "third")'],
    ['first (second OR third)', '(AND "first" (OR "second" "third"))'],
    ['abc(def)', '(AND "abc" "def")'],
    ['(((((deep)))))', '"deep"'],
    // Nested groups of the same operator flatten; repeated terms collapse (case is kept, so FOO stays).
    ['one1 OR (two2 OR three3)', '(OR "one1" "two2" "three3")'],
    ['first (first second)', '(AND "first" "second")'],
    ['foo FOO', '(AND "foo" "FOO")'],
    ['foo OR foo', '"foo"'],
    // Phrases and escapes.
    ['"connection refused"', '"connection refused"'],
    ['ab"c d"e', '"abc de"'],
    ['say\\"hi\\"', '"say\\"hi\\""'],
    ['back\\\\slash', '"back\\\\slash"'],
    ['"AND" "NOT"', '(AND "AND" "NOT")'],
    ['and not', '(AND "and" "not")'],
    ['"-abc"', '"-abc"'],
    // Qualifiers, in any case; the value keeps its case.
    ['name:tasks.fetch', 'name:"tasks.fetch"'],
    ['NAME:Tasks.Fetch', 'name:"Tasks.Fetch"'],
    ['worker:celery@host', 'worker:"celery@host"'],
    ['args:"hello world"', 'args:"hello world"'],
    ['result:"connection refused"', 'result:"connection refused"'],
    ['state:FAILURE', 'state=FAILURE'],
    ['state:f', 'state=f'],
    ['(state:FAILURE OR state:RETRY) result:timeout', '(AND (OR state=FAILURE state=RETRY) result:"timeout")'],
    ['kwargs:priority=high', 'kwargs[priority]=high'],
    ['kwargs:"label = some value"', 'kwargs[label]=some value'],
    ['kwargs:label="some value"', 'kwargs[label]=some value'],
    ['kwargs:a=b=c', 'kwargs[a]=b=c'],
    ['kwargs:k=', 'kwargs[k]='],
    ['kwargs:priority', 'kwargs:"priority"'],
    ['name:a:b', 'name:"a:b"'],
    // A qualified term looks at one field: one character is enough (Flower asks 3).
    ['args:10', 'args:"10"'],
    ['args:1', 'args:"1"'],
    ['ARGS:7 name:ab', '(AND args:"7" name:"ab")'],
    ['worker:w1 OR result:0', '(OR worker:"w1" result:"0")'],
    ['kwargs:n', 'kwargs:"n"'],
    ['args:" 1"', 'args:" 1"'],
    ['abc name:ab', '(AND "abc" name:"ab")'],
    // Not qualifiers: no word before the colon, a URL, or a quoted colon.
    ['stateSTARTED', '"stateSTARTED"'],
    ['12:30:00', '"12:30:00"'],
    ['redis://localhost', '"redis://localhost"'],
    ['"uuid:abc"', '"uuid:abc"'],
    ['"name:abc"', '"name:abc"'],
    // Unknown qualifiers are text, as in Flower.
    ['uuid:abc', '"uuid:abc"'],
    ['abc Queue:celery', '(AND "abc" "Queue:celery")'],
  ])('%j → %s', (text, expected) => {
    expect(show(parsed(text))).toBe(expected);
  });

  it('keeps positions and lower-cased needles', () => {
    expect(parsed('Name:Tasks.ADD  state:Failure')).toEqual({
      kind: 'and',
      children: [
        { kind: 'text', field: 'name', value: 'Tasks.ADD', needle: 'tasks.add', position: 0 },
        { kind: 'state', value: 'Failure', needle: 'failure', position: 16 },
      ],
    });
  });

  it('gives kwargs:key=value its pair forms, with the canonical form of a literal value', () => {
    expect(parsed('kwargs:Priority=HIGH')).toMatchObject({ kind: 'kwarg', key: 'Priority', value: 'HIGH', pairs: ['priority=high'] });
    expect(parsed("kwargs:k='High'")).toMatchObject({ pairs: ["k='high'", 'k=high'] });
    expect(parsed('kwargs:"k=(1,2)"')).toMatchObject({ pairs: ['k=(1,2)', 'k=[1, 2]'] });
    expect(parsed('kwargs:n=None')).toMatchObject({ pairs: ['n=none'], fallback: ["'n': 'none'", "'n': none"] });
  });
});

describe('parseTaskSearch: errors name what is wrong and where', () => {
  it.each([
    ['"abc', 'Unterminated quoted phrase', 0],
    ['abc "def', 'Unterminated quoted phrase', 4],
    ['name:"abc', 'Unterminated quoted phrase', 5],
    ['  "abc', 'Unterminated quoted phrase', 2],
    ['(abc', "Missing ')'", 0],
    ['abc (def (ghi)', "Missing ')'", 4],
    ['abc)', "Unmatched ')'", 3],
    ['(abc)) def', "Unmatched ')'", 5],
    ['()', 'Empty parentheses', 0],
    ['abc ( )', 'Empty parentheses', 4],
    ['((((((abc))))))', 'nest deeper than 5 levels', 5],
    ['abc OR', 'OR must be followed by a search term, not the end', 4],
    ['abc OR OR def', "OR must be followed by a search term, not 'OR'", 4],
    ['(abc OR) def', "OR must be followed by a search term, not ')'", 5],
    ['abc AND', 'AND must be followed by a search term', 4],
    ['abc AND OR def', 'AND must be followed by a search term', 4],
    ['AND abc', "Expected a search term, not 'AND'", 0],
    ['OR abc', "Expected a search term, not 'OR'", 0],
    ['NOT abc', 'NOT is not supported', 0],
    ['abc -def', "Negation with '-' is not supported", 4],
    ['""', 'Empty search term', 0],
    // Unqualified text is looked for in every field: a short term would match nearly every task.
    ['ab', "Unqualified search terms need at least 3 characters: 'ab'. To search for a short value, qualify it: args:ab (or name:, worker:, kwargs:, result:)", 0],
    ['10', 'qualify it: args:10', 0],
    ['abc name:ab 7', "at least 3 characters: '7'", 12],
    ['"  ab  "', 'qualify it: args:"  ab  "', 0],
    ['abc or def', "at least 3 characters: 'or'", 4],
    ['name:', 'name: needs a value', 0],
    ['args:"  "', 'args: needs a value', 0],
    ['abc state:" "', 'state: needs a value', 4],
    ['abc result:""', 'result: needs a value', 4],
    ['kwargs:', 'kwargs: needs a value: kwargs:key=value, or kwargs:text', 0],
    ['kwargs:=high', "kwargs: needs a key before '='", 0],
    ['kwargs:" =high"', "kwargs: needs a key before '='", 0],
    ['a'.repeat(2049), 'longer than 2048 characters', 2048],
    [`  ${'a'.repeat(2049)}  `, 'longer than 2048 characters', 2050],
    // 43 × `(abc) `: the 129th token is the `)` of the 43rd group.
    ['(abc) '.repeat(43), 'more than 128 terms, operators and parentheses', 42 * 6 + 4],
  ])('%j: %s at %i', (text, message, position) => {
    const result = parseTaskSearch(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toContain(message);
    expect(result.error.position).toBe(position);
  });

  it('accepts the limits themselves: 2048 characters, 128 tokens, 5 levels', () => {
    expect(parseTaskSearch('a'.repeat(2048)).ok).toBe(true);
    expect(parseTaskSearch('(abc) '.repeat(42) + 'abc OR').ok).toBe(false);
    expect(parseTaskSearch(`${'(abc) '.repeat(42)}abc def`).ok).toBe(true);
    expect(parseTaskSearch('(((((abc)))))').ok).toBe(true);
  });

  it('answers any input with a query or an error inside the text, never a throw', () => {
    const pieces = ['(', ')', '"', '\\', ' ', 'AND', 'OR', 'NOT', 'abc', 'name:', 'kwargs:', 'k=v', '-', ':', 'x'];
    let seed = 7;
    for (let n = 0; n < 2000; n++) {
      let text = '';
      for (let i = 0; i < 8; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        text += pieces[seed % pieces.length];
      }
      const result = parseTaskSearch(text);
      if (!result.ok) {
        expect(result.error.position).toBeGreaterThanOrEqual(0);
        expect(result.error.position).toBeLessThanOrEqual(text.length);
      }
    }
  });
});
