/**
 * Search over the PostgreSQL history against the search engine itself: for each query, the tasks
 * PostgreSQL finds are the tasks matchesTask (lib/search) finds among the same tasks in memory. Then the
 * differences postgres-search.ts documents, so they stay known, and the indexes the searches can use.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { taskFilter } from '@/lib/query/task-filter';
import { matchesTask } from '@/lib/search/search-match';
import { parseTaskSearch } from '@/lib/search/search-parser';
import type { SearchQuery } from '@/lib/search/search-query';
import { type PostgresServer, startPostgres } from '@/test/harness/postgres-server';
import { filterConditions } from './history-filter';
import { compilingDb } from './history-sql';
import { PostgresHistory } from './postgres-history';
import { batchOf, SEARCH_QUERIES as QUERIES, SEARCH_TASKS as TASKS, task } from './history-test-tasks';

const db = compilingDb('postgres');

function search(text: string): SearchQuery {
  const parsed = parseTaskSearch(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  return parsed.query;
}

let postgres: PostgresServer;
let history: PostgresHistory;

async function found(cluster: string, text: string): Promise<string[]> {
  const rows = await history.all<{ uuid: string }>(
    db.selectFrom('tasks').select('uuid').where((eb) => eb.and([...filterConditions(eb, 'postgres', taskFilter({ search: search(text) })), eb('cluster', '=', cluster)])).orderBy('seq').compile(),
  );
  return rows.map((r) => r.uuid);
}

beforeAll(async () => {
  postgres = await startPostgres();
  history = await PostgresHistory.open(await postgres.createDatabase('search'), 'same');
  await history.write(batchOf(TASKS));
});

afterAll(async () => {
  await history?.close();
  await postgres?.destroy();
});

describe('search over PostgreSQL', () => {
  it('finds exactly the tasks the search engine finds in memory', async () => {
    const expected: Record<string, string[]> = {};
    const actual: Record<string, string[]> = {};
    for (const text of QUERIES) {
      const query = search(text);
      expected[text] = TASKS.filter((t) => matchesTask(query, t)).map((t) => t.uuid);
      actual[text] = await found('same', text);
    }
    expect(actual).toEqual(expected);
    // Not vacuous: the queries tell the tasks apart.
    const answers = new Set(Object.values(expected).map((uuids) => uuids.join()));
    expect(answers.size).toBeGreaterThan(12);
  });

  it('differs from memory where postgres-search.ts says it does', async () => {
    const differ = await PostgresHistory.open(postgres.url('search'), 'differs');
    try {
      const nested = task(1, 'nested', { kwargs: "{'priority': 'HIGH', 'x': {'priority': 'low'}}" });
      const quoted = task(2, 'quoted', { kwargs: `{"it's": 1, 'k': "it's"}` });
      await differ.write(batchOf([nested, quoted]));
      // A pair nested in a value: its text is there, but it is not a top-level pair.
      expect(matchesTask(search('kwargs:priority=low'), nested)).toBe(false);
      expect(await found('differs', 'kwargs:priority=low')).toEqual(['nested']);
      // Python prints these in double quotes, which the fallback texts do not hold.
      expect(matchesTask(search("kwargs:it's=1"), quoted)).toBe(true);
      expect(await found('differs', "kwargs:it's=1")).toEqual([]);
      expect(matchesTask(search("kwargs:k=it's"), quoted)).toBe(true);
      expect(await found('differs', "kwargs:k=it's")).toEqual([]);
      // Memory reads the repr's numbers as JavaScript numbers, where 10.0 is 10; the text is 10.0.
      expect(matchesTask(search('kwargs:amount=10'), quoted)).toBe(false);
      const float = task(3, 'float', { kwargs: "{'amount': 10.0}" });
      await differ.write(batchOf([float]));
      expect(matchesTask(search('kwargs:amount=10'), float)).toBe(true);
      expect(await found('differs', 'kwargs:amount=10')).toEqual([]);
    } finally {
      await differ.close();
    }
  });

  it('can answer free text, kwargs and qualified terms from indexes', async () => {
    // A cluster of many plain tasks, so that reading its rows whole costs more than the indexes.
    const planned = await PostgresHistory.open(postgres.url('search'), 'plan');
    await planned.write(batchOf(Array.from({ length: 30_000 }, (_, i) => task(i + 1, `plain-${i}`, { name: 'plain.noop', worker: 'celery@plain', args: '()', kwargs: '{}', result: null }))));
    await planned.close();
    const client = new pg.Client({ connectionString: postgres.url('search') });
    await client.connect();
    const plan = async (text: string): Promise<string> => {
      const compiled = db.selectFrom('tasks').select('uuid').where((eb) => eb.and([...filterConditions(eb, 'postgres', taskFilter({ search: search(text) })), eb('cluster', '=', 'plan')])).compile();
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${compiled.sql}`, compiled.parameters as unknown[]);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    await client.query('ANALYZE tasks');
    // Scans of the whole table off: the plan shows which indexes each search can use.
    await client.query('SET enable_seqscan = off');
    onTestFinished(() => client.end());
    expect(await plan('générer')).toContain('Bitmap Index Scan on tasks_text');
    expect(await plan('result:value OR args:load')).toMatch(/BitmapOr[\s\S]*tasks_text[\s\S]*tasks_text/);
    expect(await plan('state:failure')).toContain('Bitmap Index Scan on tasks_state');
    expect(await plan('kwargs:priority=high')).toContain('tasks_text');
    expect(await plan('args:load')).toContain('tasks_text');
    expect(await plan('name:a')).toContain('Bitmap Index Scan on tasks_name');
    expect(await plan('worker:b')).toContain('Bitmap Index Scan on tasks_worker');
  });
});
