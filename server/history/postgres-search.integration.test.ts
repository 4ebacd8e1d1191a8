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
import type { TaskRecord } from '../state/task-record';
import { filterConditions } from './history-filter';
import { compilingDb } from './history-sql';
import { PostgresHistory } from './postgres-history';
import { batchOf, task } from './postgres-test-tasks';

const db = compilingDb('postgres');

const TASKS: TaskRecord[] = [
  task(1, '0b6e3a8e-1111-4c1e-9d7a-000000000001', { name: 'app.tasks.add', args: '(1, 2)', kwargs: "{'priority': 'high', 'n': 5}", result: '3' }),
  task(2, '0b6e3a8e-2222-4c1e-9d7a-000000000002', {
    state: 'FAILURE', name: 'app.Reports.Générer', worker: 'celery@Beta', args: "('Été', 'ÉCOLE')", kwargs: "{'lang': 'FR', 'user': None}", result: null, exception: "ValueError('Ünïcode ΣΑΣ')",
  }),
  task(3, '0b6e3a8e-3333-4c1e-9d7a-000000000003', {
    state: 'RETRY', name: 'billing.charge', worker: 'worker-2@host', args: "('100%', 'a_b')", kwargs: "{'amount': 10.0, 'tags': [1, 2]}", result: "{'ok': True}", exception: "Retry('in 5s')",
  }),
  task(4, '0b6e3a8e-4444-4c1e-9d7a-000000000004', { state: 'PENDING', name: null, worker: null, queue: null, args: null, kwargs: null, result: null }),
  // Cut by saferepr: memory cannot parse it and searches its text, as PostgreSQL does.
  task(5, '0b6e3a8e-5555-4c1e-9d7a-000000000005', { name: 'etl.load_file', args: "('C:\\\\data\\\\in.csv',)", kwargs: "{'priority': 'high', 'note': 'aaaaaaaaaaaa...", result: 'None' }),
  task(6, 'ABCDEF00-6666-4C1E-9D7A-000000000006', { state: 'PROGRESS', name: 'app.tasks.mul', worker: 'celery@gamma', args: '(6, 7)', kwargs: "{'priority': 'HIGH', 'n': 42}", result: null }),
  task(7, '0b6e3a8e-7777-4c1e-9d7a-000000000007', { name: 'app.tasks.add', worker: 'celery@alpha', args: '()', kwargs: "{'n': 5, 'flag': False, 'ratio': 0.5}", result: '12' }),
];

const QUERIES = [
  // Free text, ignoring case, over every field (uuid, state and worker included), non-ASCII folded as JavaScript does.
  'add', 'ADD', 'app.tasks', 'celery@', 'beta', 'success', 'FAILURE', 'progress', 'été', 'ÉTÉ', 'générer', 'GÉNÉRER', 'ünï', 'σας', 'ΣΑΣ',
  'abcdef00', '6666-4c1e', '100%', 'a_b', '"c:\\\\data"', 'load_file', 'retry', '"in 5s"', 'none', 'worker-2', 'zzz',
  // Qualified, down to one character.
  'name:a', 'name:É', 'name:reports', 'name:%', 'args:1', 'args:%', 'args:_', 'args:é', 'args:"()"', 'worker:a', 'worker:BETA', 'worker:2',
  'result:3', 'result:in', 'result:value', 'result:true', 'kwargs:n', 'kwargs:PRIORITY', 'kwargs:{', 'kwargs:%',
  'state:success', 'state:SUCCESS', 'state:progress', 'state:succ', 'state:failure',
  // kwargs:key=value.
  'kwargs:priority=high', 'kwargs:priority=HIGH', "kwargs:priority='high'", 'kwargs:n=5', 'kwargs:n=42', 'kwargs:N=5', 'kwargs:user=none', 'kwargs:user=None',
  'kwargs:lang=fr', 'kwargs:amount=10.0', 'kwargs:"tags=[1, 2]"', 'kwargs:tags=[1,2]', 'kwargs:flag=false', 'kwargs:ratio=0.5', 'kwargs:note=x', 'kwargs:n=4',
  // Combinations.
  'name:add OR state:failure', 'worker:alpha args:1', '(name:billing OR name:reports) result:retry', 'kwargs:priority=high state:success',
  'kwargs:n=5 OR kwargs:lang=fr', 'app AND (kwargs:n=42 OR worker:beta)', 'celery state:pending', '"0b6e3a8e" name:app',
];

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
