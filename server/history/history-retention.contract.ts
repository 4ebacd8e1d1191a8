/**
 * Retention over a real history, run over SQLite (history-retention.test.ts) and PostgreSQL
 * (history-retention-postgres.integration.test.ts): ages per outcome, the row maximum, runs and workers,
 * the counts the triggers keep, and tasks held in flight left alone. The clock is the test's.
 */
import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type EventRow, eventColumnsOf } from './event-row';
import type { HistoryBackend } from './history-backend';
import { HistoryRetention, type RetentionOptions } from './history-retention';
import type { Compiled } from './history-sql';
import { DEFAULT_RETENTION, type RetentionPolicy } from './retention-policy';
import { TASK_COLUMNS, type TaskRow } from './task-row';
import { emptyBatch } from './write-batch';

export const NOW = 1_800_000_000;
export const DAY = 86_400;
const silent = { warn: () => undefined, info: () => undefined };
const sql = (text: string, ...parameters: unknown[]): Compiled => CompiledQuery.raw(text, parameters);

export interface Spec {
  readonly state: string;
  /** The `timestamp` column: when the task reached its state. */
  readonly at: number;
  readonly uuid?: string;
  /** Padding in `doc`, to fill pages. */
  readonly bytes?: number;
}



/** Writes tasks as the write-behind would, each with three events. Returns their ids. */
let nextSeq = 1;

export async function writeTasks(target: HistoryBackend, specs: readonly Spec[]): Promise<string[]> {
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
    await target.write({ ...emptyBatch(), tasks, events: eventColumnsOf(events) });
  }
  return ids;
}

export async function rows(target: HistoryBackend, text: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  return target.all(sql(text, ...params));
}

export async function uuids(target: HistoryBackend): Promise<Set<string>> {
  return new Set((await rows(target, 'SELECT uuid FROM tasks')).map((r) => String(r['uuid'])));
}

/** task_counts as kept by the triggers, and as counted from the rows: they must agree. */
export async function countsAgree(target: HistoryBackend): Promise<void> {
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

export function retention(target: HistoryBackend, policy: Partial<RetentionPolicy>, clock: { now: number }, extra: Partial<RetentionOptions> = {}): HistoryRetention {
  return new HistoryRetention(target, { policy: { ...DEFAULT_RETENTION, maxTasks: 0, maxBytes: 0, ...policy }, now: () => clock.now, held: () => false, log: silent, ...extra });
}

/** A history of its own for each test, closed by the caller's hooks. */
export type OpenHistory = () => Promise<HistoryBackend>;

export function describeRetention(name: string, history: OpenHistory): void {
  describe(`history retention: ${name}`, () => {
    it('prunes tasks past their age by outcome: successes after 7 days, failures, revoked and rejected after 30, never a task held in flight', async () => {
      const target = await history();
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
      const target = await history();
      const clock = { now: NOW };
      await writeTasks(target, [{ uuid: 'old-success', state: 'SUCCESS', at: NOW - 400 * DAY }]);
      await target.write({ ...emptyBatch(), tasks: [], workers: [['celery@gone', NOW - 40 * DAY, '{}'], ['celery@here', NOW - DAY, '{}']], run: [1, NOW - 50 * DAY, NOW - 45 * DAY, 1, 'h'] });
      await target.write({ ...emptyBatch(), tasks: [], workers: [], run: [2, NOW - 44 * DAY, NOW - 41 * DAY, 1, 'h'] });
      await target.write({ ...emptyBatch(), tasks: [], workers: [], run: [3, NOW - 2 * DAY, NOW - DAY, 1, 'h'] });
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
      const target = await history();
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
  });
}
