import { describe, expect, it } from 'vitest';
import { matchesTask, type SearchableTask } from './search-match';
import { seeded } from '@/test/fixtures/seeded-random';
import { parseTaskSearch } from './search-parser';
import type { TextTerm } from './search-query';

const blank = { uuid: '', name: null, state: 'PENDING', worker: null, args: null, kwargs: null, result: null, exception: null };
const task = (fields: Partial<SearchableTask>): SearchableTask => ({ ...blank, ...fields });

const TASKS: Readonly<Record<string, SearchableTask>> = {
  t1: task({
    uuid: 'a1b2c3d4-0000-4000-8000-000000000001',
    name: 'tasks.fetch',
    state: 'FAILURE',
    worker: 'celery@worker-a',
    args: "('customer-123',)",
    kwargs: "{'priority': 'high', 'opts': {'retry': True, 'n': [1, 2]}}",
    exception: "TimeoutError('connection timeout')",
  }),
  t2: task({
    uuid: 'e5f6a7b8-0000-4000-8000-000000000002',
    name: 'tasks.store',
    state: 'SUCCESS',
    worker: 'celery@worker-b',
    args: "('customer-456',)",
    kwargs: "{'priority': 'low', 'when': (1, 2), 'ratio': 1.0}",
    result: "'stored'",
  }),
  t3: task({
    uuid: 'c9d0e1f2-0000-4000-8000-000000000003',
    name: 'tasks.fetch',
    state: 'RETRY',
    worker: 'celery@worker-a',
    args: "('customer-789',)",
    kwargs: "{'priority': 'HIGH', 'note': 'hello world'}",
    exception: "RuntimeError('retry timeout')",
  }),
  // kwargs that do not parse (an object that is not a literal): kwargs:key=value falls back to its text.
  t4: task({
    uuid: '00aa11bb-0000-4000-8000-000000000004',
    name: 'tasks.report',
    state: 'SUCCESS',
    args: "('Hello World',)",
    kwargs: "{'label': 'some value', 'blob': <object object at 0x7f0>, 'n': None}",
    result: "{'rows': 42}",
  }),
  // kwargs cut by saferepr.
  t5: task({ uuid: '99ff88ee-0000-4000-8000-000000000005', name: 'tasks.sync', kwargs: "{'user_id': 5, 'items': [1, 2, 3, ..." }),
};

function matching(search: string): string[] {
  const parsed = parseTaskSearch(search);
  if (!parsed.ok) throw new Error(`${search}: ${parsed.error.message}`);
  return Object.entries(TASKS)
    .filter(([, t]) => matchesTask(parsed.query, t))
    .map(([id]) => id);
}

describe('matchesTask', () => {
  it.each([
    // Free text: uuid, name, state, worker, args, kwargs, result, exception; any case.
    ['', ['t1', 't2', 't3', 't4', 't5']],
    ['fetch', ['t1', 't3']],
    ['FETCH', ['t1', 't3']],
    ['customer', ['t1', 't2', 't3']],
    ['A1B2C3D4', ['t1']],
    ['worker-b', ['t2']],
    ['success', ['t2', 't4']],
    ['stored', ['t2']],
    ['timeout', ['t1', 't3']],
    ['hello', ['t3', 't4']],
    ['priority', ['t1', 't2', 't3']],
    ['"connection timeout"', ['t1']],
    ['"timeout connection"', []],
    ['connection timeout', ['t1']],
    // name:, worker:, state: (exact), args:, result: (result or exception).
    ['name:fetch', ['t1', 't3']],
    ['name:customer', []],
    ['NAME:TASKS.S', ['t2', 't5']],
    ['worker:WORKER-A', ['t1', 't3']],
    ['worker:celery', ['t1', 't2', 't3']],
    ['state:failure', ['t1']],
    ['state:FAIL', []],
    ['state:PENDING', ['t5']],
    ['args:customer-4', ['t2']],
    ['args:"hello world"', ['t4']],
    ['args:fetch', []],
    ['result:stored', ['t2']],
    ['result:timeout', ['t1', 't3']],
    ['result:rows', ['t4']],
    ['result:fetch', []],
    // kwargs:key=value: one exact pair, any case, as Python's str() of the value.
    ['kwargs:priority=high', ['t1', 't3']],
    ['kwargs:PRIORITY=High', ['t1', 't3']],
    ['kwargs:priority=hig', []],
    ['kwargs:"priority = low"', ['t2']],
    ["kwargs:priority='low'", ['t2']],
    ['kwargs:note="hello world"', ['t3']],
    ['kwargs:hello=world', []],
    // Nested values: the whole value, in its repr, however the query spaces it; not the nested keys.
    ['kwargs:"opts={\'retry\': True, \'n\': [1, 2]}"', ['t1']],
    ['kwargs:"opts={\'retry\':True,\'n\':[1,2]}"', ['t1']],
    ['kwargs:"opts={\'retry\': False, \'n\': [1, 2]}"', []],
    ['kwargs:retry=true', []],
    ['kwargs:n=None', ['t4']],
    ['kwargs:"when=(1, 2)"', ['t2']],
    ['kwargs:ratio=1.0', ['t2']],
    // kwargs that do not parse: the pair's text, up to the next comma or brace.
    ['kwargs:label="some value"', ['t4']],
    ['kwargs:label=some', []],
    ['kwargs:user_id=5', ['t5']],
    ['kwargs:user_id=55', []],
    ['kwargs:blob=1', []],
    // kwargs: without '=' is a substring of the repr.
    ['kwargs:user_id', ['t5']],
    ['kwargs:retry', ['t1']],
    // AND (implicit or written), OR, precedence, parentheses.
    ['fetch customer-123', ['t1']],
    ['fetch AND customer-123', ['t1']],
    ['customer-123 OR customer-456', ['t1', 't2']],
    ['store OR fetch state:RETRY', ['t2', 't3']],
    ['(store OR fetch) state:RETRY', ['t3']],
    ['state:SUCCESS OR state:RETRY', ['t2', 't3', 't4']],
    ['(state:FAILURE OR state:RETRY) result:timeout', ['t1', 't3']],
    ['name:fetch (worker:worker-b OR state:FAILURE)', ['t1']],
    ['(sync OR (report AND rows)) OR kwargs:priority=low', ['t2', 't4', 't5']],
  ])('%s → %j', (search, expected) => {
    expect(matching(search)).toEqual(expected);
  });

  it('matches a task object, and re-reads kwargs when they change', () => {
    const record: { -readonly [K in keyof SearchableTask]: SearchableTask[K] } = {
      uuid: 'f00dfeed-0000-4000-8000-000000000000', name: 'tasks.add', state: 'PENDING', worker: null, args: null, kwargs: "{'a': 1}", result: null, exception: null,
    };
    const query = parseTaskSearch('kwargs:a=1 name:add');
    if (!query.ok) throw new Error(query.error.message);
    expect(matchesTask(query.query, record)).toBe(true);
    record.kwargs = "{'a': 2}";
    expect(matchesTask(query.query, record)).toBe(false);
    record.kwargs = null;
    expect(matchesTask(query.query, record)).toBe(false);
  });

  it('finds a needle exactly where lower-casing the text would, with or without copying it (randomized, Unicode included)', () => {
    const random = seeded(41);
    const alphabet = ['a', 'b', 'k', 'i', 's', 'σ', 'ς', 'ß', 'A', 'B', 'K', 'I', 'S', 'Σ', 'İ', '\u212a', 'ẞ', '😀', ' ', '1'];
    const text = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    let found = 0;
    for (let i = 0; i < 20_000; i++) {
      const args = text(Math.floor(random() * 12));
      const lower = args.toLowerCase();
      // Needles cut from the lower-cased text (so many are found), or made up.
      const start = Math.floor(random() * (lower.length + 1));
      const needle = random() < 0.6 ? lower.slice(start, start + 1 + Math.floor(random() * 4)) : text(1 + Math.floor(random() * 3)).toLowerCase();
      if (needle === '') continue;
      const query: TextTerm = { kind: 'text', field: 'args', value: needle, needle, position: 0 };
      const expected = lower.includes(needle);
      expect(matchesTask(query, task({ args })), JSON.stringify({ args, needle })).toBe(expected);
      if (expected) found++;
    }
    expect(found).toBeGreaterThan(5_000);
  });
});
