/**
 * Search over the SQLite history against the search engine itself: for each query, the tasks SQLite finds
 * are exactly the tasks matchesTask (lib/search) finds among the same tasks in memory, kwargs pairs and
 * non-ASCII case included (the engine runs in the reader thread as an SQL function); and a search the
 * trigram index can narrow is narrowed by it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskFilter } from '@/lib/query/task-filter';
import { matchesTask } from '@/lib/search/search-match';
import { parseTaskSearch } from '@/lib/search/search-parser';
import type { SearchQuery } from '@/lib/search/search-query';
import { filterConditions } from './history-filter';
import { compilingDb } from './history-sql';
import { batchOf, SEARCH_QUERIES, SEARCH_TASKS, task } from './history-test-tasks';
import { SqliteHistory } from './sqlite-history';

const db = compilingDb('sqlite');
const dir = mkdtempSync(join(tmpdir(), 'pollen-sqlite-search-'));
let history: SqliteHistory;

function search(text: string): SearchQuery {
  const parsed = parseTaskSearch(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  return parsed.query;
}

const selection = (text: string) => db.selectFrom('tasks').select('uuid').where((eb) => eb.and(filterConditions(eb, 'sqlite', taskFilter({ search: search(text) })))).orderBy('seq');

beforeAll(async () => {
  history = await SqliteHistory.open(join(dir, 'search.db'));
  await history.write(batchOf(SEARCH_TASKS));
});

afterAll(async () => {
  await history?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('search over SQLite', () => {
  it('finds exactly the tasks the search engine finds in memory', async () => {
    const expected: Record<string, string[]> = {};
    const actual: Record<string, string[]> = {};
    for (const text of [...SEARCH_QUERIES, 'kwargs:priority=low', "kwargs:it's=1", 'kwargs:amount=10']) {
      const query = search(text);
      expected[text] = SEARCH_TASKS.filter((t) => matchesTask(query, t)).map((t) => t.uuid);
      actual[text] = (await history.all<{ uuid: string }>(selection(text).compile())).map((r) => r.uuid);
    }
    expect(actual).toEqual(expected);
    const answers = new Set(Object.values(expected).map((uuids) => uuids.join()));
    expect(answers.size).toBeGreaterThan(12);
  });

  it('narrows by the trigram index where it can, and finds a needle among many', async () => {
    const many = await SqliteHistory.open(join(dir, 'many.db'));
    try {
      const plain = Array.from({ length: 20_000 }, (_, i) => task(i + 1, `plain-${i}`, { name: 'plain.noop', args: `(${i},)`, kwargs: '{}', result: null }));
      plain.push(task(20_001, 'needle', { name: 'plain.noop', args: "('zyzzogeton',)", kwargs: "{'priority': 'high'}" }));
      await many.write(batchOf(plain));
      const plan = async (text: string) => {
        const compiled = selection(text).compile();
        return (await many.all<{ detail: string }>({ ...compiled, sql: `EXPLAIN QUERY PLAN ${compiled.sql}` })).map((r) => r.detail).join('\n');
      };
      expect(await plan('zyzzogeton')).toContain('VIRTUAL TABLE INDEX');
      expect(await plan('args:zyzzogeton')).toContain('VIRTUAL TABLE INDEX');
      expect(await plan('kwargs:priority=high')).toContain('VIRTUAL TABLE INDEX');
      const found = async (text: string) => (await many.all<{ uuid: string }>(selection(text).compile())).map((r) => r.uuid);
      expect(await found('zyzzogeton')).toEqual(['needle']);
      expect(await found('ZYZZOGETON')).toEqual(['needle']);
      expect(await found('kwargs:priority=high')).toEqual(['needle']);
    } finally {
      await many.close();
    }
  });
});
