/**
 * Retention wired into the durable store: the store prunes its SQLite history on its own schedule with
 * the store's clock, leaves a task memory holds in flight, says what it pruned on /metrics, and stops
 * with the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { decoded } from '../metrics/metrics-test-events';
import { Metrics } from '../metrics';
import { parseExposition, sampleValue } from '../prometheus/exposition-test-parser';
import { scrape } from '../prometheus/scrape';
import { SqliteHistory } from '../history/sqlite-history';
import { DEFAULT_RETENTION } from '../history/retention-policy';
import { DurableTaskStore } from './durable-task-store';

const dir = mkdtempSync(join(tmpdir(), 'pollen-store-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = 1_800_000_000;
const DAY = 86_400;
const silent = { error: () => undefined, warn: () => undefined, info: () => undefined };

describe('durable store retention', () => {
  it('prunes history past its age with the store clock, keeps a task held in flight, and counts it on /metrics', async () => {
    const file = join(dir, 'history.db');
    const history = await SqliteHistory.open(file);
    const clock = { now: NOW };
    const store = await DurableTaskStore.open({ maxTasks: 100, purgeOfflineAfter: 3600, history, log: silent, now: () => clock.now, retention: DEFAULT_RETENTION });
    const apply = (type: string, uuid: string, t: number, fields: Record<string, unknown> = {}) => store.apply(decoded({ type, uuid, hostname: 'celery@w1', timestamp: t, ...fields }), t);
    const old = NOW - 40 * DAY;
    apply('task-received', 'done-long-ago', old, { name: 'tasks.add' });
    apply('task-succeeded', 'done-long-ago', old + 1, { result: '3', runtime: 1 });
    apply('task-received', 'running-long', old, { name: 'tasks.slow' });
    apply('task-started', 'running-long', old + 1);
    apply('task-received', 'done-today', NOW - 60, { name: 'tasks.add' });
    apply('task-succeeded', 'done-today', NOW - 59, { result: '3', runtime: 1 });
    // The timeline is read after what is noted has been written.
    await store.timeline('done-today');
    await store.pruneHistory();

    const rows = await history.all<{ uuid: string }>(CompiledQuery.raw('SELECT uuid FROM tasks ORDER BY uuid'));
    expect(rows.map((r) => r.uuid)).toEqual(['done-today', 'running-long']);
    expect(store.historyPruned()).toMatchObject({ age: 1, lastPassAt: NOW });
    const families = parseExposition(scrape({ store, metrics: new Metrics(), ingest: null, prometheus: null }, NOW * 1000));
    expect(sampleValue(families, 'pollen_history_pruned_total', { kind: 'tasks', reason: 'age' })).toBe(1);
    expect(sampleValue(families, 'pollen_history_pruned_total', { kind: 'tasks', reason: 'max_size' })).toBe(0);
    expect(sampleValue(families, 'pollen_history_used_bytes', {})).toBeGreaterThan(0);
    await store.close();
  });

  it('keeps everything when no retention is given', async () => {
    const history = await SqliteHistory.open(join(dir, 'forever.db'));
    const store = await DurableTaskStore.open({ maxTasks: 100, purgeOfflineAfter: 3600, history, log: silent, now: () => NOW });
    store.apply(decoded({ type: 'task-succeeded', uuid: 'ancient', hostname: 'celery@w1', timestamp: NOW - 400 * DAY }), NOW - 400 * DAY);
    await store.timeline('ancient');
    await store.pruneHistory();
    expect(store.historyPruned()).toBeNull();
    expect(await history.all(CompiledQuery.raw('SELECT uuid FROM tasks'))).toHaveLength(1);
    await store.close();
  });
});
