/**
 * The PostgreSQL history on a real PostgreSQL 15 (test/harness/postgres-server.ts): migrations, batches
 * written as the SQLite writer writes them, the counts its triggers keep, clusters sharing one database,
 * pages by cluster, and every error a start can meet.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskFilter } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';
import { parseTaskSearch } from '@/lib/search/search-parser';
import { freePort } from '@/test/harness/free-port';
import { type PostgresServer, startPostgres } from '@/test/harness/postgres-server';
import { HistoryOpenError } from './history-backend';
import { historyPage, type HistoryScope } from './history-page';
import { compilingDb } from './history-sql';
import { PostgresHistory } from './postgres-history';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './postgres-schema';
import { batchOf, rangeTasks, task } from './history-test-tasks';
import { taskFromRow, type TaskRowObject } from './task-row';
import { emptyBatch } from './write-batch';

const db = compilingDb('postgres');

let postgres: PostgresServer;
let databases = 0;
const freshDatabase = () => postgres.createDatabase(`history_${++databases}`);

async function query<Row extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, params)).rows;
  } finally {
    await client.end();
  }
}

const taskRows = (history: PostgresHistory) =>
  history.all<TaskRowObject>(db.selectFrom('tasks').selectAll().where('cluster', '=', history.cluster).orderBy('seq').compile());

const counts = async (history: PostgresHistory) => {
  const rows = await history.all<{ field: string; key: string; n: number }>(
    db.selectFrom('task_counts').select(['field', 'key', 'n']).where('cluster', '=', history.cluster).where('n', '<>', 0).orderBy('field').orderBy('key').compile(),
  );
  return Object.fromEntries(rows.map((r) => [`${r.field}:${r.key}`, r.n]));
};

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(async () => {
  await postgres?.destroy();
});

describe('migrations', () => {
  it('make the tables in a fresh database, record the version, and do nothing the second time', async () => {
    const url = await freshDatabase();
    const first = await PostgresHistory.open(url, 'c');
    expect(first.migratedFrom).toBe(0);
    await first.close();
    const tables = await query<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
    expect(tables.map((t) => t.table_name)).toEqual(['meta', 'queue_lengths', 'rollup_hours', 'rollup_minutes', 'runs', 'schema_migrations', 'task_counts', 'task_events', 'tasks', 'worker_periods', 'workers']);
    const second = await PostgresHistory.open(url, 'c');
    expect(second.migratedFrom).toBe(POSTGRES_SCHEMA_VERSION);
    await second.close();
    const versions = await query<{ version: number; description: string }>(url, 'SELECT version, description FROM schema_migrations');
    expect(versions).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version, description: m.description })));
  });

  it('take a database from each schema to the next, keeping its rows', async () => {
    const url = await freshDatabase();
    // The database as the first migration alone made it, with a task and a worker in it.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const [v1] = POSTGRES_MIGRATIONS;
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await client.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    await client.query(v1?.sql ?? '');
    await client.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [1, v1?.description]);
    await client.query("INSERT INTO tasks (cluster, seq, uuid, state, timestamp, lost, doc) VALUES ('c', 7, 'kept', 'SUCCESS', 1700000000, 0, '{}')");
    await client.query("INSERT INTO workers (cluster, hostname, last_seen, doc) VALUES ('c', 'celery@kept', 1700000000, '{}')");
    await client.end();
    const migrated = await PostgresHistory.open(url, 'c');
    expect(migrated.migratedFrom).toBe(1);
    await migrated.close();
    expect(await query(url, 'SELECT max(version) AS v FROM schema_migrations')).toEqual([{ v: POSTGRES_SCHEMA_VERSION }]);
    expect(await query(url, 'SELECT uuid, seq::int FROM tasks')).toEqual([{ uuid: 'kept', seq: 7 }]);
    expect(await query(url, 'SELECT hostname FROM workers')).toEqual([{ hostname: 'celery@kept' }]);
    expect(await query(url, "SELECT n::int FROM task_counts WHERE field = 'total'")).toEqual([{ n: 1 }]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM rollup_minutes')).toEqual([{ n: 0 }]);
    expect(await query(url, "SELECT indexname FROM pg_indexes WHERE indexname = 'tasks_skewed'")).toEqual([{ indexname: 'tasks_skewed' }]);
  });

  it('let several Pollens start at once on one fresh database', async () => {
    const url = await freshDatabase();
    const opened = await Promise.all(['a', 'b', 'c', 'd'].map((cluster) => PostgresHistory.open(url, cluster)));
    expect(opened.map((h) => h.migratedFrom).sort()).toEqual([0, POSTGRES_SCHEMA_VERSION, POSTGRES_SCHEMA_VERSION, POSTGRES_SCHEMA_VERSION]);
    await Promise.all(opened.map((h) => h.close()));
    expect(await query(url, 'SELECT version FROM schema_migrations ORDER BY version')).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version })));
  });
});

describe('writing', () => {
  let url: string;
  let history: PostgresHistory;

  beforeAll(async () => {
    url = await freshDatabase();
    history = await PostgresHistory.open(url, 'redis://broker-a/0');
  });
  afterAll(() => history?.close());

  it('writes a batch and reads every task back as it was', async () => {
    const tasks = [task(1, 'u-1'), task(2, 'u-2', { state: 'FAILURE', exception: "ValueError('bad')", kwargs: "{'x': 1}" }), task(3, 'u-3', { name: null, worker: null, queue: null, received: null, started: null })];
    tasks[1]!.clockSkew = 12.5;
    await history.write({
      ...batchOf(tasks, [[1, 10, 'task-received', 1_700_000_001.25, 'celery@alpha', 1_700_000_001.5, null], [2, 11, 'task-failed', 1_700_000_003, 'celery@alpha', null, '{"exception":"ValueError(\'bad\')"}']]),
      workers: [['celery@alpha', 1_700_000_010, '{"pid":1}']],
      run: [1, 1_700_000_000, 1_700_000_010, 42, 'host-a'],
    });
    const rows = await taskRows(history);
    expect(rows.map(taskFromRow)).toEqual(tasks);
    const events = await history.all(db.selectFrom('task_events').select(['task_seq', 'id', 'type', 'timestamp', 'received_at', 'fields']).orderBy('id').compile());
    expect(events).toEqual([
      { task_seq: 1, id: 10, type: 'task-received', timestamp: 1_700_000_001.25, received_at: 1_700_000_001.5, fields: null },
      { task_seq: 2, id: 11, type: 'task-failed', timestamp: 1_700_000_003, received_at: null, fields: '{"exception":"ValueError(\'bad\')"}' },
    ]);
    // Written twice (a retried flush): still once each.
    await history.write(batchOf([], [[1, 10, 'task-received', 1_700_000_001.25, 'celery@alpha', 1_700_000_001.5, null]]));
    expect(await query(url, 'SELECT count(*)::int AS n FROM task_events')).toEqual([{ n: 2 }]);
    await history.write({ ...emptyBatch(), workers: [['celery@alpha', 1_700_000_020, '{"pid":2}'], ['celery@beta', 1_700_000_020, '{}'], ['celery@alpha', 1_700_000_030, '{"pid":3}']], run: [1, 1_700_000_000, 1_700_000_030, 42, 'host-a'] });
    expect(await query(url, 'SELECT hostname, last_seen, doc FROM workers ORDER BY hostname')).toEqual([
      { hostname: 'celery@alpha', last_seen: 1_700_000_030, doc: '{"pid":3}' },
      { hostname: 'celery@beta', last_seen: 1_700_000_020, doc: '{}' },
    ]);
    expect(await query(url, 'SELECT id::int, started_at, last_heard FROM runs')).toEqual([{ id: 1, started_at: 1_700_000_000, last_heard: 1_700_000_030 }]);
  });

  it('writes a task that came back into the row it had, keeping what the new record does not know, and files its events there', async () => {
    await history.write(batchOf([task(20, 'u-back', { state: 'STARTED', kwargs: "{'k': 'v'}", result: null })], [[20, 100, 'task-started', 1_700_000_021, 'celery@alpha', null, null]]));
    // Evicted, then a late task-succeeded made a new record (seq 90) that knows only its state and result.
    const back = task(90, 'u-back', { state: 'SUCCESS', name: null, worker: null, queue: null, received: null, started: null, args: null, kwargs: null, result: "'done'" });
    await history.write(batchOf([back], [[90, 101, 'task-succeeded', 1_700_000_091, 'celery@alpha', null, null]]));
    const [row] = await history.all<TaskRowObject>(db.selectFrom('tasks').selectAll().where('uuid', '=', 'u-back').compile());
    expect(row).toMatchObject({ seq: 20, state: 'SUCCESS', name: 'app.tasks.add', worker: 'celery@alpha', queue: 'celery', args: '(20, 2)', kwargs: "{'k': 'v'}", result: "'done'", received: 1_700_000_020 });
    const events = await history.all(db.selectFrom('task_events').select(['task_seq', 'id']).where('id', 'in', [100, 101]).orderBy('id').compile());
    expect(events).toEqual([{ task_seq: 20, id: 100 }, { task_seq: 20, id: 101 }]);
  });

  it('writes one task twice in a batch (evicted and back within one flush) as two writes in order', async () => {
    const first = task(30, 'u-twice', { state: 'STARTED', result: null });
    const again = task(95, 'u-twice', { state: 'FAILURE', args: null, exception: 'KeyError()', result: null });
    await history.write(batchOf([first, again], [[30, 200, 'task-started', 1, null, null, null], [95, 201, 'task-failed', 2, null, null, null]]));
    const [row] = await history.all<TaskRowObject>(db.selectFrom('tasks').selectAll().where('uuid', '=', 'u-twice').compile());
    expect(row).toMatchObject({ seq: 30, state: 'FAILURE', args: '(30, 2)', exception: 'KeyError()' });
    const events = await history.all(db.selectFrom('task_events').select(['task_seq', 'id']).where('id', 'in', [200, 201]).orderBy('id').compile());
    expect(events).toEqual([{ task_seq: 30, id: 200 }, { task_seq: 30, id: 201 }]);
  });

  it('writes a batch of thousands of rows in a few statements', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => task(1000 + i, `bulk-${i}`, { state: i % 2 ? 'SUCCESS' : 'FAILURE' }));
    const events = many.map((t, i) => [t.seq, 10_000 + i, 'task-succeeded', 1, null, null, null]);
    const before = await query<{ n: number }>(url, "SELECT xact_commit::int AS n FROM pg_stat_database WHERE datname = current_database()");
    await history.write(batchOf(many, events));
    expect((await taskRows(history)).filter((r) => String(r.uuid).startsWith('bulk-'))).toHaveLength(5000);
    const after = await query<{ n: number }>(url, "SELECT xact_commit::int AS n FROM pg_stat_database WHERE datname = current_database()");
    // One transaction for the batch (plus this test's own queries), not one per row.
    expect(after[0]!.n - before[0]!.n).toBeLessThan(20);
  });
});

describe('counts and clusters', () => {
  it('keeps counts by state, name, worker, queue and total per cluster, through updates and deletes', async () => {
    const url = await freshDatabase();
    const a = await PostgresHistory.open(url, 'cluster-a');
    const b = await PostgresHistory.open(url, 'cluster-b');
    try {
      await a.write(batchOf([task(1, 'x-1', { state: 'STARTED' }), task(2, 'x-2', { name: 'app.mul', worker: 'celery@beta' }), task(3, 'x-3', { queue: null })]));
      // The same ids and numbers in another cluster: separate rows.
      await b.write(batchOf([task(1, 'x-1', { state: 'FAILURE' })], [[1, 1, 'task-failed', 1, null, null, null]]));
      expect(await counts(a)).toEqual({
        'name:app.mul': 1, 'name:app.tasks.add': 2, 'queue:celery': 2, 'state:STARTED': 1, 'state:SUCCESS': 2, 'total:': 3, 'worker:celery@alpha': 2, 'worker:celery@beta': 1,
      });
      await a.write(batchOf([task(1, 'x-1', { state: 'SUCCESS', worker: 'celery@beta' })]));
      expect(await counts(a)).toMatchObject({ 'state:SUCCESS': 3, 'worker:celery@alpha': 1, 'worker:celery@beta': 2, 'total:': 3 });
      expect(await counts(a)).not.toHaveProperty('state:STARTED');
      expect(await counts(b)).toEqual({ 'name:app.tasks.add': 1, 'queue:celery': 1, 'state:FAILURE': 1, 'total:': 1, 'worker:celery@alpha': 1 });
      await query(url, "DELETE FROM tasks WHERE cluster = 'cluster-b' AND uuid = 'x-1'");
      expect(await counts(b)).toEqual({});
      expect(await query(url, "SELECT count(*)::int AS n FROM task_events WHERE cluster = 'cluster-b'")).toEqual([{ n: 0 }]);
      expect((await taskRows(a)).map((r) => r.uuid)).toEqual(['x-1', 'x-2', 'x-3']);
      expect(await taskRows(b)).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('pages a cluster through history-page.ts without the other cluster, totals from its own counts', async () => {
    const url = await freshDatabase();
    const a = await PostgresHistory.open(url, 'cluster-a');
    const b = await PostgresHistory.open(url, 'cluster-b');
    try {
      await a.write(batchOf(Array.from({ length: 7 }, (_, i) => task(i + 1, `a-${i}`, { state: i < 4 ? 'SUCCESS' : 'FAILURE', kwargs: `{'n': ${i}}` }))));
      await b.write(batchOf(Array.from({ length: 5 }, (_, i) => task(i + 1, `b-${i}`, { kwargs: `{'n': ${i}}` }))));
      const scope: HistoryScope = { db, reader: a, cluster: a.cluster };
      const pageOf = (search: string, cursor: string | null, states?: string[]): TaskQuery => {
        const parsed = parseTaskSearch(search);
        if (!parsed.ok) throw new Error(parsed.error.message);
        return { filter: taskFilter({ search: parsed.query, states }), sort: { key: 'received', order: 'desc' }, page: { kind: 'cursor', cursor, limit: 3 } };
      };
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await historyPage(scope, 'epoch', pageOf('', cursor), 1000);
        if (!page.ok) throw new Error(page.reason);
        expect(page.total).toBe(7);
        seen.push(...page.tasks.map((t) => t.uuid));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(['a-6', 'a-5', 'a-4', 'a-3', 'a-2', 'a-1', 'a-0']);
      const failed = await historyPage(scope, 'epoch', pageOf('', null, ['failure']), 1000);
      expect(failed.ok && failed.total).toBe(4 - 1);
      const searched = await historyPage(scope, 'epoch', pageOf('kwargs:n=2 OR kwargs:n=4', null), 1000);
      expect(searched.ok && searched.tasks.map((t) => t.uuid)).toEqual(['a-4', 'a-2']);
      expect(searched.ok && searched.total).toBe(2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("filters a time range on the task's own time, a suspect clock's task included, read from the sort time's index", async () => {
    const url = await freshDatabase();
    const ranged = await PostgresHistory.open(url, 'c');
    try {
      await ranged.write(batchOf(rangeTasks()));
      const scope: HistoryScope = { db, reader: ranged, cluster: ranged.cluster };
      const ids = async (from: number, to: number) => {
        const page = await historyPage(scope, 'e', { filter: taskFilter({ received: { from, to, toIncluded: false } }), sort: { key: 'arrival', order: 'asc' }, page: { kind: 'cursor', cursor: null, limit: 100 } }, 100);
        return page.ok ? page.tasks.map((t) => t.uuid) : [];
      };
      expect(await ids(1_700_000_010, 1_700_000_013)).toEqual(['r11', 'r12', 'r13']);
      expect(await ids(32_503_679_000, 32_503_681_000)).toEqual(['suspect']);
      // Without suspect tasks the range is the sort time's alone: the plan reads its index, arrival number included.
      await ranged.run(db.deleteFrom('tasks').where('uuid', '=', 'suspect').compile());
      expect(await ids(1_700_000_010, 1_700_000_013)).toEqual(['r11', 'r12', 'r13']);
    } finally {
      await ranged.close();
    }
  });
});

describe('opening fails with a message naming the URL without its password', () => {
  const expectOpenError = async (url: string, message: RegExp) => {
    const err = await PostgresHistory.open(url, 'c').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HistoryOpenError);
    const text = (err as Error).message;
    expect(text).toMatch(message);
    expect(text).toContain(url.replace(`:${postgres.password}@`, '@').replace(':secret-word@', '@'));
    expect(text).not.toContain(postgres.password);
    expect(text).not.toContain('secret-word');
    return text;
  };

  it('when nothing listens there', async () => {
    const port = await freePort();
    await expectOpenError(`postgresql://pollen:secret-word@127.0.0.1:${port}/history`, /^PostgreSQL at postgresql:\/\/pollen@127\.0\.0\.1:\d+\/history is unreachable: connection refused/);
  });

  it('when the server does not answer within 5 s', async () => {
    postgres.pause();
    try {
      const started = performance.now();
      await expectOpenError(postgres.url(), /is unreachable: no answer within 5 s/);
      expect(performance.now() - started).toBeLessThan(15_000);
    } finally {
      postgres.resume();
    }
  });

  it('when the password is wrong', async () => {
    await expectOpenError(`postgresql://pollen:secret-word@127.0.0.1:${postgres.port}/postgres`, /refused the password: password authentication failed/);
  });

  it('when the database does not exist', async () => {
    await expectOpenError(postgres.url('no_such_db'), /has no database "no_such_db": create it/);
  });

  it('when the schema is newer than this Pollen', async () => {
    const url = await freshDatabase();
    await (await PostgresHistory.open(url, 'c')).close();
    await query(url, "INSERT INTO schema_migrations (version, description) VALUES (99, 'from the future')");
    await expectOpenError(url, new RegExp(`written by a newer Pollen \\(schema 99; this Pollen knows up to ${POSTGRES_SCHEMA_VERSION}\\)`));
  });

  it('when the user may not create pg_trgm', async () => {
    const url = await freshDatabase();
    const database = new URL(url).pathname.slice(1);
    await query(url, "CREATE ROLE limited LOGIN PASSWORD 'secret-word'");
    await query(url, `GRANT CONNECT ON DATABASE ${database} TO limited; GRANT CREATE ON SCHEMA public TO limited`);
    const limited = `postgresql://limited:secret-word@127.0.0.1:${postgres.port}/${database}`;
    await expectOpenError(limited, /cannot get the pg_trgm extension that history search needs \(42501: permission denied to create extension "pg_trgm"\): ask an administrator to run CREATE EXTENSION pg_trgm/);
    // Once an administrator made it, the same user migrates.
    await query(url, 'CREATE EXTENSION pg_trgm');
    await (await PostgresHistory.open(limited, 'c')).close();
  });
});

describe('PostgreSQL going away while Pollen runs', () => {
  it('fails the writes and reads meanwhile with a code, without crashing, and takes them up again when it is back', async () => {
    const url = await freshDatabase();
    const history = await PostgresHistory.open(url, 'c');
    try {
      await history.write(batchOf([task(1, 'before')]));
      expect(await taskRows(history)).toHaveLength(1); // the pools now hold idle connections, which the stop drops
      await postgres.stop();
      await expect(history.write(batchOf([task(2, 'during')]))).rejects.toMatchObject({ code: expect.any(String) });
      await expect(taskRows(history)).rejects.toMatchObject({ code: expect.any(String) });
      await postgres.start();
      await history.write(batchOf([task(3, 'after')]));
      expect((await taskRows(history)).map((r) => r.uuid)).toEqual(['before', 'after']);
    } finally {
      await history.close();
    }
  });
});
