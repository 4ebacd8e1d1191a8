/**
 * Durable history's figures (issue 18), printed, never asserted. Three parts, `PARTS=ingest,sqlite,postgres`
 * (all by default):
 *
 * - ingest (store-ingest.ts): Pollen's ingest with `--db memory` against the same server with history in
 *   an SQLite file, alternately in one run, on the shared flood.py (`LOAD=publisher`: ingest-publisher.ts),
 *   one event per message and batched; the ratio of the highest 0-loss rates and of CPU per event.
 * - sqlite: TASKS (10 000 000) tasks written in bulk into a fresh SQLite history through the real write
 *   path (store-fill.ts), the write rate, bytes on disk per task (by table and index from dbstat), then a
 *   Pollen server on that file in its own process (store-serve.ts; a real redis-server as broker,
 *   default --max-tasks): time to serve, RSS, and the reads of store-queries.ts against their targets;
 *   the plan of each list request that misses; and the sustained write rate in 250 ms batches.
 * - postgres: the same on PostgreSQL 15 (test/harness's startPostgres, with PostgreSQL's own defaults for
 *   fsync, full_page_writes and shared_buffers rather than the tests' fast settings), PG_TASKS tasks.
 *
 *   npm run bench -- store                 TASKS=10000000 PG_TASKS=10000000 RUNS=5 CURSOR_PAGES=5 BATCH_TASKS=20000
 *   PARTS=sqlite TASKS=200000 npm run bench -- store          a quick run of one part
 *   SUSTAIN_SECONDS=20 SUSTAIN_TASKS=5000                     the sustained writes (task rows a batch, 250 ms apart)
 *   KEEP=1                                                    keep the SQLite file (its path is printed)
 *   BULK=0                                                    fill with the indexes in place (store-bulk.ts sets them aside)
 *   FILE=path PARTS=sqlite                                    serve and time a history KEEP=1 kept, without filling it again
 * The ingest part takes RATES, BATCHED_RATES, MODES, SECONDS as `ingest` does (store-ingest.ts).
 */
import { emptyBatch } from '@/server/history/write-batch';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import type { HistoryBackend } from '@/server/history/history-backend';
import { PostgresHistory } from '@/server/history/postgres-history';
import { compilingDb } from '@/server/history/history-sql';
import { SqliteHistory } from '@/server/history/sqlite-history';
import { startPostgres } from '@/test/harness/postgres-server';
import { startRedis } from '@/test/harness/redis-server';
import { loadavg, procStat } from './ingest-steps';
import { restorePostgres, restoreSqlite, setAsidePostgres, setAsideSqlite } from './store-bulk';
import { bulkFill, sustainedWrites, TaskFactory } from './store-fill';
import { storeIngest } from './store-ingest';
import { explainPage, summary, type Timed, timeQueries } from './store-queries';

const PARTS = (process.env['PARTS'] ?? 'ingest,sqlite,postgres').split(',');
const TASKS = Number(process.env['TASKS'] ?? 10_000_000);
const PG_TASKS = Number(process.env['PG_TASKS'] ?? 10_000_000);
const RUNS = Number(process.env['RUNS'] ?? 5);
const CURSOR_PAGES = Number(process.env['CURSOR_PAGES'] ?? 5);
const BATCH_TASKS = Number(process.env['BATCH_TASKS'] ?? 20_000);
const SUSTAIN_SECONDS = Number(process.env['SUSTAIN_SECONDS'] ?? 20);
const SUSTAIN_TASKS = Number(process.env['SUSTAIN_TASKS'] ?? 5000);
/** BULK=0 writes the fill with every index and trigger in place (slow at millions). */
const BULK = process.env['BULK'] !== '0';
const CLUSTER = 'bench';
const MiB = 2 ** 20;
const pgDb = compilingDb('postgres');
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

/** Writes the fill and a run of Pollen that ended a minute ago (so the server's start sees a history, not one in use). */
async function fill(history: HistoryBackend, tasks: number): Promise<TaskFactory> {
  const endAt = Date.now() / 1000 - 60;
  const factory = new TaskFactory(tasks, endAt);
  console.log(`bulk write of ${n(tasks)} tasks into ${history.where}, batches of ${n(BATCH_TASKS)} tasks; load average ${loadavg()}`);
  const done = await bulkFill(history, factory, tasks, BATCH_TASKS, Math.max(BATCH_TASKS, Math.ceil(tasks / 10 / BATCH_TASKS) * BATCH_TASKS));
  await history.write({ ...emptyBatch(), run: [1, endAt - 30 * 86_400, endAt, process.pid, hostname()] });
  const rows = done.taskRows + done.eventRows;
  console.log(
    `bulk write: ${n(done.taskRows)} task rows + ${n(done.eventRows)} event rows in ${done.seconds.toFixed(1)} s: ${n(rows / done.seconds)} rows/s, ${n(done.tasks / done.seconds)} tasks/s ` +
      `(the event loop made the rows for ${done.makingSeconds.toFixed(1)} s of it, overlapping the writes); load average ${loadavg()}`,
  );
  return factory;
}

/** What store-serve.ts says once it serves. */
interface Ready {
  readonly port: number;
  readonly startMs: number;
  readonly heapMiB: number;
  readonly externalMiB: number;
  readonly tasksHeld: number;
}

/** Serves `db` in its own process, times the reads, and says what the process took; returns the results. */
async function serveAndQuery(db: string, factory: TaskFactory, endAt: number): Promise<Timed[]> {
  const redis = await startRedis();
  const spawned = performance.now();
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', new URL('./store-serve.ts', import.meta.url).pathname, db, redis.url(0), CLUSTER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((l) => l.startsWith('{'));
        if (line !== undefined) resolve(JSON.parse(line) as Ready);
      });
      child.once('exit', (code) => reject(new Error(`the server exited (${code}) before serving: ${output.slice(-500)}`)));
    });
    const pid = child.pid as number;
    const rss = () => procStat(pid).rss / MiB;
    const target = (value: number, goal: number, unit: string) => `${value.toFixed(unit === 'MiB' ? 0 : 2)} ${unit} (target ≤ ${goal} ${unit}: ${value <= goal ? 'meets' : 'MISSES'})`;
    const afterStart = rss();
    console.log(
      `server: from startServer to serving ${target(ready.startMs / 1000, 5, 's')}; from spawning its process ${((performance.now() - spawned) / 1000).toFixed(2)} s (node and tsx loading included); ` +
        `RSS after start ${target(afterStart, 500, 'MiB')} (${n(ready.tasksHeld)} tasks back in memory; main thread's heap after a full GC ${ready.heapMiB.toFixed(0)} MiB, external and array buffers ${ready.externalMiB.toFixed(0)} MiB; the rest: ${db.startsWith('postgres') ? 'code' : "SQLite's two threads and page caches, code"}, and what the allocator kept)`,
    );
    const results = await timeQueries({ base: `http://127.0.0.1:${ready.port}`, runs: RUNS, endAt, oldIds: factory.oldIds, cursorPages: CURSOR_PAGES });
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const peak = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    console.log(`\n${summary(results)}; server RSS after the reads ${target(rss(), 500, 'MiB')}, its peak ${target(peak, 500, 'MiB')}; load average ${loadavg()}`);
    return results;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
    await redis.stop();
  }
}

async function explainMisses(history: HistoryBackend, results: readonly Timed[]): Promise<void> {
  const misses = results.filter((r) => r.p95 > r.target && r.path.startsWith('/api/v1/tasks?'));
  if (misses.length === 0) return;
  console.log(`\nhow ${history.where} runs the ${misses.length} list requests that miss (first pages; the statements as the server compiles them, timed once more here)`);
  for (const miss of misses) console.log(`${miss.label}: ${miss.path}\n${await explainPage(history, miss.path)}`);
}

/** A kept fill (FILE=): its tasks' number, when they end, and old tasks to read, as the fill said them. */
function keptFill(file: string): { tasks: number; factory: TaskFactory } {
  const db = new Database(file, { readonly: true });
  try {
    const { tasks, endAt } = db.prepare(`SELECT (SELECT n FROM task_counts WHERE field = 'total') AS tasks, (SELECT max(o_received) FROM tasks) AS endAt`).get() as { tasks: number; endAt: number };
    const factory = new TaskFactory(tasks, endAt + 1);
    // The ids TaskFactory.make remembers: task k (arrival number k + 1) with k % step === 3, in the first half.
    const step = Math.max(1, Math.floor(tasks / 200));
    for (const row of db.prepare('SELECT uuid FROM tasks WHERE seq <= ? AND (seq - 1) % ? = 3 ORDER BY seq').all(tasks / 2, step) as { uuid: string }[]) factory.oldIds.push(row.uuid);
    return { tasks, factory };
  } finally {
    db.close();
  }
}

async function sqlitePart(): Promise<void> {
  const kept = process.env['FILE'];
  const dir = mkdtempSync(join(tmpdir(), 'pollen-bench-store-'));
  const file = kept ?? join(dir, 'history.db');
  const fillTasks = kept === undefined ? TASKS : keptFill(kept).tasks;
  console.log(`\n== sqlite: ${n(fillTasks)} tasks in ${file}`);
  try {
    let history = await SqliteHistory.open(file);
    let factory: TaskFactory;
    if (kept !== undefined) {
      await history.close();
      factory = keptFill(kept).factory;
    } else if (BULK) {
      await history.close();
      const aside = setAsideSqlite(file);
      history = await SqliteHistory.open(file);
      factory = await fill(history, TASKS);
      await history.close();
      const started = performance.now();
      const times = restoreSqlite(file, aside);
      console.log(`indexes, counts and text index made after the bulk write in ${((performance.now() - started) / 1000).toFixed(0)} s: ${times}`);
    } else {
      factory = await fill(history, TASKS);
      await history.close();
    }
    const endAt = factory.receivedAt(fillTasks - 1);
    // Closing the last connection checkpoints the WAL; a connection of our own says what is on disk.
    const measuring = new Database(file);
    measuring.pragma('wal_checkpoint(TRUNCATE)');
    const size = (path: string) => {
      try {
        return statSync(path).size;
      } catch {
        return 0;
      }
    };
    const bytes = size(file) + size(`${file}-wal`);
    console.log(`on disk: ${(bytes / MiB).toFixed(1)} MiB (file + WAL after a checkpoint), ${n(bytes / fillTasks)} bytes per task (aim ≤ 600)`);
    const started = performance.now();
    const parts = measuring.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as { name: string; bytes: number }[];
    console.log(`  by table and index (dbstat, ${((performance.now() - started) / 1000).toFixed(1)} s to read): ${parts.filter((p) => p.bytes >= bytes / 200).map((p) => `${p.name} ${n(p.bytes / fillTasks)}`).join(', ')} bytes per task; the rest under 0.5 % each`);
    measuring.close();

    const results = await serveAndQuery(file, factory, endAt);
    history = await SqliteHistory.open(file);
    await explainMisses(history, results);
    if (kept === undefined) console.log(`\nsustained writes into ${file}, SUSTAIN_TASKS=${SUSTAIN_TASKS} task rows a batch every 250 ms for ${SUSTAIN_SECONDS} s:\n  ${await sustainedWrites(history, factory, fillTasks, SUSTAIN_TASKS, 250, SUSTAIN_SECONDS)}`);
    await history.close();
  } finally {
    if (process.env['KEEP'] === '1' || kept !== undefined) console.log(`kept ${file}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresPart(): Promise<void> {
  // PostgreSQL's own defaults, not the tests' (fsync and full_page_writes off, 16 MB of shared buffers).
  const settings = { fsync: 'on', full_page_writes: 'on', shared_buffers: '128MB' };
  const server = await startPostgres({ settings });
  try {
    const url = await server.createDatabase('pollen_bench');
    console.log(`\n== postgres: ${n(PG_TASKS)} tasks, PostgreSQL 15 on port ${server.port} (${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(', ')})`);
    const history = await PostgresHistory.open(url, CLUSTER);
    try {
      const aside = BULK ? await setAsidePostgres(url) : null;
      const factory = await fill(history, PG_TASKS);
      if (aside !== null) {
        const started = performance.now();
        const times = await restorePostgres(url, aside);
        console.log(`indexes made after the bulk write in ${((performance.now() - started) / 1000).toFixed(0)} s: ${times}`);
      }
      const endAt = factory.receivedAt(PG_TASKS - 1);
      let started = performance.now();
      // What autovacuum would have done by the time anyone reads: statistics for the planner, a visibility map.
      await history.run(sql`VACUUM (ANALYZE)`.compile(pgDb));
      console.log(`VACUUM (ANALYZE) after the bulk write: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      started = performance.now();
      const [total] = await history.all<{ bytes: number }>(sql`SELECT pg_database_size(current_database())::int8 AS bytes`.compile(pgDb));
      const relations = await history.all<{ name: string; bytes: number }>(
        sql`SELECT c.relname AS name, pg_relation_size(c.oid)::int8 AS bytes FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'public' AND c.relkind IN ('r', 'i', 't') ORDER BY 2 DESC`.compile(pgDb),
      );
      const bytes = Number(total?.bytes ?? 0);
      console.log(`on disk: the database ${(bytes / MiB).toFixed(1)} MiB, ${n(bytes / PG_TASKS)} bytes per task; by table and index: ${relations.filter((r) => Number(r.bytes) >= bytes / 200).map((r) => `${r.name} ${n(Number(r.bytes) / PG_TASKS)}`).join(', ')} bytes per task (${((performance.now() - started) / 1000).toFixed(1)} s to read)`);
      const results = await serveAndQuery(url, factory, endAt);
      await explainMisses(history, results);
      console.log(`\nsustained writes, SUSTAIN_TASKS=${SUSTAIN_TASKS} task rows a batch every 250 ms for ${SUSTAIN_SECONDS} s:\n  ${await sustainedWrites(history, factory, PG_TASKS, SUSTAIN_TASKS, 250, SUSTAIN_SECONDS)}`);
    } finally {
      await history.close();
    }
  } finally {
    await server.destroy();
  }
}

console.log(`store: parts ${PARTS.join(', ')}; load average ${loadavg()}`);
if (PARTS.includes('ingest')) await storeIngest();
if (PARTS.includes('sqlite')) await sqlitePart();
if (PARTS.includes('postgres')) await postgresPart();
