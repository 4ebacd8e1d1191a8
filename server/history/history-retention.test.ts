/**
 * Retention over real SQLite files: ages per outcome, the row and size maxima, the counts the triggers
 * keep, batches that let a write in between, and tasks held in flight left alone. The clock is the
 * test's; no test waits on a timer.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { compilingDb, type Compiled } from './history-sql';
import { HistoryRetention, type RetentionOptions } from './history-retention';
import { DEFAULT_RETENTION, type RetentionPolicy } from './retention-policy';
import { SqliteHistory } from './sqlite-history';
import { TASK_COLUMNS, type TaskRow } from './task-row';
import type { EventRow } from './event-row';
import { EMPTY_BATCH } from './write-batch';

const dir = mkdtempSync(join(tmpdir(), 'pollen-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const open: SqliteHistory[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

const NOW = 1_800_000_000;
const DAY = 86_400;
const silent = { warn: () => undefined, info: () => undefined };
const sql = (text: string, ...parameters: unknown[]): Compiled => CompiledQuery.raw(text, parameters);

async function history(): Promise<{ history: SqliteHistory; file: string }> {
  const file = join(dir, `history-${++files}.db`);
  const opened = await SqliteHistory.open(file);
  open.push(opened);
  return { history: opened, file };
}

interface Spec {
  readonly state: string;
  /** The `timestamp` column: when the task reached its state. */
  readonly at: number;
  readonly uuid?: string;
  /** Padding in `doc`, to fill pages. */
  readonly bytes?: number;
}

let nextSeq = 1;

/** Writes tasks as the write-behind would, each with three events. Returns their ids. */
async function writeTasks(target: SqliteHistory, specs: readonly Spec[]): Promise<string[]> {
  const ids: string[] = [];
  for (let from = 0; from < specs.length; from += 5000) {
    const tasks: TaskRow[] = [];
    const events: EventRow[] = [];
    for (const spec of specs.slice(from, from + 5000)) {
      const seq = nextSeq++;
      const uuid = spec.uuid ?? `task-${seq}`;
      ids.push(uuid);
      const row: Record<string, string | number | null> = Object.fromEntries(TASK_COLUMNS.map((c) => [c, null]));
      Object.assign(row, { seq, uuid, state: spec.state, name: `tasks.n${seq % 7}`, worker: `celery@w${seq % 3}`, queue: 'celery', received: spec.at - 2, started: spec.at - 1, timestamp: spec.at, lost: 0, args: `(${seq},)`, kwargs: '{}', doc: JSON.stringify({ pad: 'x'.repeat(spec.bytes ?? 0) }) });
      tasks.push(TASK_COLUMNS.map((c) => row[c] ?? null));
      for (const [i, type] of ['task-received', 'task-started', 'task-succeeded'].entries()) events.push([seq, seq * 10 + i, type, spec.at - 2 + i, 'celery@w1', spec.at - 2 + i, null]);
    }
    await target.write({ ...EMPTY_BATCH, tasks, events });
  }
  return ids;
}

async function rows(target: SqliteHistory, text: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  return target.all(sql(text, ...params));
}

async function uuids(target: SqliteHistory): Promise<Set<string>> {
  return new Set((await rows(target, 'SELECT uuid FROM tasks')).map((r) => String(r['uuid'])));
}

/** task_counts as kept by the triggers, and as counted from the rows: they must agree. */
async function countsAgree(target: SqliteHistory): Promise<void> {
  const kept = await rows(target, "SELECT field, key, n FROM task_counts WHERE n <> 0 ORDER BY field, key");
  const counted = await rows(
    target,
    `SELECT 'total' AS field, '' AS key, count(*) AS n FROM tasks
     UNION ALL SELECT 'state', state, count(*) FROM tasks GROUP BY state
     UNION ALL SELECT 'name', name, count(*) FROM tasks WHERE name IS NOT NULL GROUP BY name
     UNION ALL SELECT 'worker', worker, count(*) FROM tasks WHERE worker IS NOT NULL GROUP BY worker
     UNION ALL SELECT 'queue', queue, count(*) FROM tasks WHERE queue IS NOT NULL GROUP BY queue
     ORDER BY 1, 2`,
  );
  expect(kept.filter((r) => !(r['field'] === 'total' && r['n'] === 0))).toEqual(counted.filter((r) => Number(r['n']) !== 0));
  const [orphans] = await rows(target, 'SELECT count(*) AS n FROM task_events WHERE task_seq NOT IN (SELECT seq FROM tasks)');
  expect(orphans?.['n']).toBe(0);
}

function retention(target: SqliteHistory, policy: Partial<RetentionPolicy>, clock: { now: number }, extra: Partial<RetentionOptions> = {}): HistoryRetention {
  return new HistoryRetention(target, { policy: { ...DEFAULT_RETENTION, maxTasks: 0, maxBytes: 0, ...policy }, now: () => clock.now, held: () => false, log: silent, ...extra });
}

describe('history retention', () => {
  it('prunes tasks past their age by outcome: successes after 7 days, failures, revoked and rejected after 30, never a task held in flight', async () => {
    const { history: target } = await history();
    const clock = { now: NOW };
    await writeTasks(target, [
      { uuid: 'success-8d', state: 'SUCCESS', at: NOW - 8 * DAY },
      { uuid: 'success-6d', state: 'SUCCESS', at: NOW - 6 * DAY },
      { uuid: 'failure-8d', state: 'FAILURE', at: NOW - 8 * DAY },
      { uuid: 'failure-31d', state: 'FAILURE', at: NOW - 31 * DAY },
      { uuid: 'revoked-31d', state: 'REVOKED', at: NOW - 31 * DAY },
      { uuid: 'rejected-29d', state: 'REJECTED', at: NOW - 29 * DAY },
      { uuid: 'started-31d', state: 'STARTED', at: NOW - 31 * DAY },
      { uuid: 'started-31d-held', state: 'STARTED', at: NOW - 31 * DAY },
      { uuid: 'retry-29d', state: 'RETRY', at: NOW - 29 * DAY },
    ]);
    const pruner = retention(target, {}, clock, { held: (uuid) => uuid === 'started-31d-held' });
    await pruner.pass();
    expect([...(await uuids(target))].sort()).toEqual(['failure-8d', 'rejected-29d', 'retry-29d', 'started-31d-held', 'success-6d']);
    expect(pruner.status()).toMatchObject({ age: 4, maxTasks: 0, maxSize: 0 });
    await countsAgree(target);

    // Two days on, the six-day success and the 29-day ones have aged too: the next pass walks on from
    // where the last stopped and finds them.
    clock.now += 2 * DAY;
    await pruner.pass();
    expect([...(await uuids(target))].sort()).toEqual(['failure-8d', 'started-31d-held']);
    expect(pruner.status().age).toBe(7);
    await countsAgree(target);
  }, 60_000);

  it('keeps forever what a 0 age says, and prunes runs and workers not heard from within the longest age', async () => {
    const { history: target } = await history();
    const clock = { now: NOW };
    await writeTasks(target, [{ uuid: 'old-success', state: 'SUCCESS', at: NOW - 400 * DAY }]);
    await target.write({ ...EMPTY_BATCH, tasks: [], events: [], workers: [['celery@gone', NOW - 40 * DAY, '{}'], ['celery@here', NOW - DAY, '{}']], run: [1, NOW - 50 * DAY, NOW - 45 * DAY, 1, 'h'] });
    await target.write({ ...EMPTY_BATCH, tasks: [], events: [], workers: [], run: [2, NOW - 44 * DAY, NOW - 41 * DAY, 1, 'h'] });
    await target.write({ ...EMPTY_BATCH, tasks: [], events: [], workers: [], run: [3, NOW - 2 * DAY, NOW - DAY, 1, 'h'] });
    await retention(target, { success: 0 }, clock).pass();
    expect(await uuids(target)).toEqual(new Set(['old-success']));
    expect(await rows(target, 'SELECT id FROM runs')).toHaveLength(3);

    const pruner = retention(target, {}, clock);
    await pruner.pass();
    expect(await uuids(target)).toEqual(new Set());
    expect((await rows(target, 'SELECT id FROM runs ORDER BY id')).map((r) => r['id'])).toEqual([3]);
    expect((await rows(target, 'SELECT hostname FROM workers')).map((r) => r['hostname'])).toEqual(['celery@here']);
    expect(pruner.status()).toMatchObject({ runs: 2, workers: 1 });

    // The newest run is kept however old: the next run's number follows it.
    clock.now += 100 * DAY;
    await pruner.pass();
    expect((await rows(target, 'SELECT id FROM runs')).map((r) => r['id'])).toEqual([3]);
  });

  it('holds the row maximum, pruning the oldest finished tasks first and never one held in flight', async () => {
    const { history: target } = await history();
    const specs: Spec[] = [];
    for (let i = 0; i < 10_000; i++) specs.push({ uuid: `t${i}`, state: i % 1000 === 0 ? 'STARTED' : 'SUCCESS', at: NOW - 3600 + i * 0.1 });
    await writeTasks(target, specs);
    const pruner = retention(target, { maxTasks: 3000 }, { now: NOW }, { held: (uuid) => uuid === 't0' });
    await pruner.pass();
    const left = await uuids(target);
    expect(left.size).toBe(3000);
    // Finished ones went first: the in-flight tasks among the oldest are still there.
    for (const kept of ['t0', 't1000', 't6000', 't7000', 't9999']) expect(left.has(kept)).toBe(true);
    expect(left.has('t1')).toBe(false);
    expect(pruner.status().maxTasks).toBe(7000);
    await countsAgree(target);

    // With fewer finished tasks than the excess, unfinished ones not held in memory go too; t0 stays.
    await retention(target, { maxTasks: 2 }, { now: NOW }, { held: (uuid) => uuid === 't0' }).pass();
    const last = await uuids(target);
    expect(last.size).toBe(2);
    expect(last.has('t0')).toBe(true);
    await countsAgree(target);
  }, 60_000);

  it('holds the size maximum: the pages in use come back under it, and the file stops growing', async () => {
    const { history: target, file } = await history();
    const batch = (n: number): Spec[] => Array.from({ length: n }, (_, i) => ({ state: i % 10 === 0 ? 'FAILURE' : 'SUCCESS', at: NOW - 60 + i * 0.001, bytes: 800 }));
    await writeTasks(target, batch(6000));
    const before = await target.usedBytes();
    const maxBytes = 2 * 1024 ** 2;
    expect(before).toBeGreaterThan(2.5 * maxBytes);
    const pruner = retention(target, { maxBytes }, { now: NOW });
    await pruner.pass();
    const after = await target.usedBytes();
    expect(after).toBeLessThanOrEqual(maxBytes);
    expect(pruner.status().usedBytes).toBe(after);
    const left = (await rows(target, 'SELECT count(*) AS n FROM tasks'))[0]?.['n'] as number;
    expect(left).toBeGreaterThan(500);
    expect(pruner.status().maxSize).toBe(6000 - left);
    // The newest are what is kept.
    const [newest] = await rows(target, 'SELECT max(seq) - min(seq) + 1 AS span FROM tasks');
    expect(newest?.['span']).toBe(left);
    await countsAgree(target);

    // Free pages are reused: writing and pruning on, the file stays at its high-water mark.
    const highWater = statSync(file).size;
    for (let round = 0; round < 3; round++) {
      await writeTasks(target, batch(2000));
      await pruner.pass();
      expect(await target.usedBytes()).toBeLessThanOrEqual(maxBytes);
    }
    expect(statSync(file).size).toBeLessThanOrEqual(highWater * 1.1);
    console.log(`size maximum ${maxBytes} B: ${before} B in use before, ${after} B after, ${left} tasks kept; file ${highWater} B, ${statSync(file).size} B after 3 more rounds`);
  }, 60_000);

  it('deletes in batches of at most 2000 and lets a write in between them', async () => {
    const { history: target } = await history();
    await writeTasks(target, Array.from({ length: 10_000 }, (_, i) => ({ state: 'SUCCESS', at: NOW - 10 * DAY + i })));
    const changes: number[] = [];
    let write: Promise<number> | null = null;
    // The history as the pruner sees it, noting each statement it runs on the writer.
    const observed = {
      dialect: target.dialect,
      where: target.where,
      cluster: target.cluster,
      all: target.all.bind(target),
      usedBytes: target.usedBytes.bind(target),
      run: async (query: Compiled) => {
        const changed = await target.run(query);
        if (query.sql.startsWith('delete from "tasks"')) changes.push(changed);
        // A flush of the write-behind arriving while the pass goes on.
        write ??= target.write({ ...EMPTY_BATCH, tasks: [], events: [], workers: [['celery@new', NOW, '{}']], run: null }).then(() => changes.length);
        return changed;
      },
    };
    const pruner = new HistoryRetention(observed, { policy: { ...DEFAULT_RETENTION, maxTasks: 0, maxBytes: 0 }, now: () => NOW, held: () => false, log: silent });
    await pruner.pass();
    expect(changes.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(changes.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...changes)).toBeLessThanOrEqual(2000);
    // The write was done before the second delete, not after the whole pass.
    expect(await write).toBeLessThanOrEqual(2);
    expect(await uuids(target)).toEqual(new Set());
  }, 60_000);

  it('runs a pass soon after start and stops cleanly, reading deletes through Kysely for either dialect', async () => {
    const { history: target } = await history();
    await writeTasks(target, [{ uuid: 'old', state: 'SUCCESS', at: NOW - 8 * DAY }]);
    const pruner = retention(target, {}, { now: NOW }, { firstDelayMs: 0 });
    pruner.start();
    await expect.poll(() => pruner.status().lastPassAt, { interval: 5, timeout: 5000 }).toBe(NOW);
    await pruner.stop();
    expect(await uuids(target)).toEqual(new Set());
    // Deletes do not make FTS5 merge the text index's segments in their way (see prune()).
    expect(await rows(target, "SELECT v FROM task_text_config WHERE k = 'deletemerge'")).toEqual([{ v: 0 }]);
    // The same deletes compile for PostgreSQL, scoped to the cluster.
    const pg = compilingDb('postgres').deleteFrom('tasks').where('seq', 'in', [1, 2]).where('cluster', '=', 'c').compile();
    expect(pg.sql).toBe('delete from "tasks" where "seq" in ($1, $2) and "cluster" = $3');
  });
});
