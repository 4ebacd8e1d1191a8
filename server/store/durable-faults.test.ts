/**
 * History failing at run time (a full disk, simulated with SQLite's max_page_count on the writer's own
 * connection): the live view goes on, history says it is failing, nothing noted meanwhile is lost, and
 * writing resumes by itself once there is room again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEventBody, type CeleryEvent, type JsonObject } from '@/lib/celery';
import { taskFilter } from '@/lib/query/task-filter';
import { sql } from 'kysely';
import { compilingDb } from '../history/history-sql';
import { SqliteHistory } from '../history/sqlite-history';
import { until } from '@/test/harness/until';
import { DurableTaskStore } from './durable-task-store';

const dir = mkdtempSync(join(tmpdir(), 'pollen-durable-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const silent = { error: () => undefined, warn: () => undefined, info: () => undefined };
const T = 1_795_268_172;

function event(body: JsonObject): CeleryEvent {
  return decodeEventBody({ utcoffset: 0, pid: 1, clock: 1, hostname: 'celery@w1', ...body }).events[0] as CeleryEvent;
}

/** A task sent and finished, with a result large enough to need pages of its own. */
function runTask(store: DurableTaskStore, uuid: string, t: number): void {
  store.apply(event({ type: 'task-sent', uuid, timestamp: t, name: 'tasks.big', args: `('${'x'.repeat(2000)}',)`, kwargs: '{}', queue: 'celery' }), t);
  store.apply(event({ type: 'task-succeeded', uuid, timestamp: t + 1, result: `'${'y'.repeat(2000)}'`, runtime: 1 }), t + 1);
}

const raw = (text: string) => sql.raw(text).compile(compilingDb('sqlite'));
const pageCount = async (history: SqliteHistory) => Number((await history.all<{ page_count: number }>(raw('PRAGMA page_count')))[0]?.page_count);

describe('SQLite history on a full disk', () => {
  it('keeps the live view, says history is failing, and writes everything once there is room', async () => {
    const history = await SqliteHistory.open(join(dir, 'full.db'));
    const store = await DurableTaskStore.open({ maxTasks: 50, purgeOfflineAfter: 3600, history, log: silent, writeIntervalMs: 20 });
    try {
      runTask(store, 'before', T);
      await until('the first task written', () => store.historyWriting().writtenTasks >= 1);
      // The disk is full: no page can be added.
      await history.run(raw(`PRAGMA max_page_count = ${await pageCount(history)}`));
      for (let i = 0; i < 80; i++) runTask(store, `during-${i}`, T + 10 + i);
      await until('history failing', () => store.historyWriting().state === 'failing', 5000);
      const failing = store.historyWriting();
      expect(failing.error).toMatch(/full/i);
      expect(failing.pendingTasks + failing.pendingEvents).toBeGreaterThan(0);
      // The live view goes on: the newest tasks are there, from memory.
      expect(store.task('during-79')?.state).toBe('SUCCESS');
      const live = await store.findPage({ filter: taskFilter({}), sort: { key: 'arrival', order: 'desc' }, page: { kind: 'cursor', cursor: null, limit: 1 } });
      expect(live.ok && live.tasks[0]?.uuid).toBe('during-79');

      // Room again: writing resumes by itself, and every task noted meanwhile is in history.
      await history.run(raw('PRAGMA max_page_count = 1073741823'));
      await until('history writing again', () => store.historyWriting().state === 'writing', 15_000);
      await until('everything written', () => store.historyWriting().pendingTasks === 0 && store.historyWriting().pendingEvents === 0, 15_000);
      const rows = await history.all<{ n: number }>(raw("SELECT count(*) AS n FROM tasks WHERE uuid LIKE 'during-%' AND state = 'SUCCESS'"));
      expect(rows[0]?.n).toBe(80);
      // Evicted from the live window (50 tasks), still found across history, with its timeline.
      expect(store.task('during-0')).toBeUndefined();
      expect((await store.findTask('during-0'))?.state).toBe('SUCCESS');
      expect((await store.timeline('during-0'))?.map((e) => e.type)).toEqual(['task-sent', 'task-succeeded']);
    } finally {
      await store.close();
    }
  });
});
