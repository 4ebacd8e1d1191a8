/**
 * The charts' past on a real SQLite file with a fake clock: the minute and hour rollups read back as
 * the in-memory figures were; after a restart (store closed, a new one opened on the same file, with
 * empty metrics) the 7d and 30d ranges and a short range reaching before the start show what was
 * before; queue lengths and worker online periods come back too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LatencyResponse, OverviewResponse, ThroughputResponse, WorkerPeriodsResponse } from '@/lib/api/metrics';
import { getOverview } from '../api/v1/metrics-overview';
import { getLatency, getThroughput } from '../api/v1/metrics-read';
import { getWorkerPeriods } from '../api/v1/worker-periods';
import { ROLLUP_COUNTS } from '../history/metric-history';
import { SqliteHistory } from '../history/sqlite-history';
import type { RollupRow } from '../history/write-batch';
import { Metrics } from '../metrics';
import { decoded, T0 } from '../metrics/metrics-test-events';
import { decodeSketch } from '../metrics/sketch-codec';
import { summarize } from '../metrics/sketch-ops';
import { MemoryTaskStore } from '../store/memory-task-store';
import { minuteFigures } from './minute-rollup';
import { feed, runOn } from './rollup-test-runs';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const dir = mkdtempSync(join(tmpdir(), 'pollen-rollups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** One run of Pollen on the SQLite file `file` (rollup-test-runs.ts). */
const run = (file: string, c: { now: number }) => runOn(() => SqliteHistory.open(file), c);

const q = (params: Record<string, string>) => new URLSearchParams(params);

describe('metric rollups in SQLite history', () => {
  it('writes each minute and its hour per task name as the in-memory figures are, and reads them back after a restart', async () => {
    const file = join(dir, `h${++files}.db`);
    const c = { now: T0 };
    const first = await run(file, c);
    feed(first.apply);
    c.now = T0 + 3 * MIN + 1_000;
    first.roller.tick();
    const expected = [0, 1, 2].map((m) => minuteFigures(first.metrics, T0 / MIN + m));
    const hourWindow = { from: T0, to: T0 + 3 * MIN - 1, resolution: 'minute' as const };
    const hourTotals = first.metrics.totals('task', 'app.slow', hourWindow);
    const hourRuntime = first.metrics.latency('runtime', 'app.slow', hourWindow);
    await first.stop();

    const second = await run(file, c);
    for (const [m, figures] of expected.entries()) {
      const rows = await second.history.rollups('minute', null, T0 + m * MIN, T0 + m * MIN);
      const every = await second.history.rollups('minute', '', T0 + m * MIN, T0 + m * MIN);
      expect(figures.length).toBeGreaterThan(1);
      expect([...every, ...rows].map((r) => r.task).sort()).toEqual(figures.map((f) => f.task).sort());
      for (const figure of figures) {
        const row = [...every, ...rows].find((r) => r.task === figure.task);
        expect(row?.counts).toEqual(figure.counts);
        [row?.runtime, row?.wait, row?.endToEnd].forEach((bytes, k) => {
          expect(bytes === null ? null : summarize(decodeSketch(bytes as Uint8Array, 0.01))).toEqual(figure.sketches[k] ? summarize(figure.sketches[k]) : null);
        });
      }
    }
    const [hour] = await second.history.rollups('hour', 'app.slow', T0, T0);
    expect(hour?.counts).toEqual(ROLLUP_COUNTS.map((state) => hourTotals[state]));
    expect(summarize(decodeSketch(hour?.runtime as Uint8Array, 0.01))).toEqual(hourRuntime);
    await second.stop();
  });

  it('answers 7d and 30d from history after a restart, and a short range before the start from its minutes', async () => {
    const file = join(dir, `h${++files}.db`);
    const c = { now: T0 };
    const first = await run(file, c);
    feed(first.apply);
    const all = { from: T0, to: T0 + 3 * MIN, resolution: 'minute' as const };
    const totals = first.metrics.totals('all', '', all);
    const slowRuntime = first.metrics.latency('runtime', 'app.slow', all);
    c.now = T0 + 3 * MIN;
    await first.stop();

    // Back five minutes later: 1h reaches before the start, and memory knows nothing of it.
    c.now = T0 + 8 * MIN;
    const soon = await run(file, c);
    const overview = (await getOverview(soon.metrics, soon.store, null, q({ range: '1h' }), c.now)).body as OverviewResponse;
    expect(overview.totals).toEqual(totals);
    expect(overview.latency.runtime.count).toBe(first.metrics.latency('runtime', null, all).count);
    expect(overview.series.find((p) => p.t === T0)?.succeeded).toBe(first.metrics.totals('all', '', { from: T0, to: T0 + MIN - 1, resolution: 'minute' }).succeeded);
    await soon.stop();

    // Back three days later: memory's 24 h hold nothing; 7d and 30d come from the hour rows.
    c.now = T0 + 3 * DAY;
    const later = await run(file, c);
    for (const range of ['7d', '30d']) {
      const throughput = (await getThroughput(later.metrics, later.store, q({ range }), c.now)).body as ThroughputResponse;
      expect(throughput).toMatchObject({ resolution: 'hour', step: HOUR });
      expect(throughput.totals).toEqual(totals);
      expect(throughput.points.find((p) => p.t === T0)).toMatchObject({ succeeded: totals.succeeded, failed: totals.failed });
      const latency = (await getLatency(later.metrics, later.store, q({ range, task: 'app.slow' }), c.now)).body as LatencyResponse;
      expect({ count: latency.count, p50: latency.p50, p99: latency.p99, max: latency.max }).toEqual({ count: slowRuntime.count, p50: slowRuntime.p50, p99: slowRuntime.p99, max: slowRuntime.max });
    }
    await later.stop();
  });

  it('adds to the minute and hour under way when restarted within them, not writing over them', async () => {
    const file = join(dir, `h${++files}.db`);
    const c = { now: T0 };
    const received = (uuid: string, at: number) => decoded({ type: 'task-received', uuid, hostname: 'celery@w1', timestamp: at / 1000, name: 'app.add' });
    const first = await run(file, c);
    for (let i = 0; i < 3; i++) first.apply(received(`a${i}`, T0 + i * 1000), T0 + i * 1000);
    c.now = T0 + 20_000;
    await first.stop();
    const second = await run(file, c);
    for (let i = 0; i < 2; i++) second.apply(received(`b${i}`, T0 + 30_000 + i * 1000), T0 + 30_000 + i * 1000);
    c.now = T0 + MIN + 1_000;
    second.roller.tick();
    await second.stop();
    const third = await run(file, c);
    const [minute] = await third.history.rollups('minute', 'app.add', T0, T0);
    const [hour] = await third.history.rollups('hour', 'app.add', T0, T0);
    expect(minute?.counts[1]).toBe(5);
    expect(hour?.counts[1]).toBe(5);
    await third.stop();
  });

  it('prunes minute rows past 30 days and hour rows past a year, the oldest slice a flush', async () => {
    const file = join(dir, `h${++files}.db`);
    const c = { now: T0 + 400 * DAY };
    const first = await run(file, c);
    const flushed = () => new Promise((resolve) => setTimeout(resolve, 60));
    const row = (at: number): RollupRow => ['app.add', at, 1, 0, 0, 0, 0, 0, 0, 0, null, null, null];
    const now = c.now;
    const old = now - 31 * DAY;
    first.history.note({
      rollupMinutes: [row(old - 10 * MIN), row(old), row(now - DAY)],
      rollupHours: [row(now - 366 * DAY), row(now - 300 * DAY)],
      queueLengths: [['celery', old, 1, 1], ['celery', now - DAY, 2, 2]],
    });
    await flushed();
    c.now += MIN;
    first.roller.tick();
    await flushed();
    const ats = async (grain: 'minute' | 'hour') => (await first.history.rollups(grain, 'app.add', 0, c.now)).map((r) => r.at);
    // One slice (5 minutes from the oldest) went: the row 10 minutes later waits for the next flush.
    expect(await ats('minute')).toEqual([old, now - DAY]);
    expect(await ats('hour')).toEqual([now - 300 * DAY]);
    expect((await first.history.queueLengths(0, c.now)).map((r) => r.at)).toEqual([now - DAY]);
    c.now += MIN;
    first.roller.tick();
    await flushed();
    expect(await ats('minute')).toEqual([now - DAY]);
    await first.stop();
  });

  it('refuses 7d and 30d without history, naming why', async () => {
    const store = new MemoryTaskStore({ maxTasks: 10, purgeOfflineAfter: 3600 });
    const response = await getThroughput(new Metrics({ clock: () => T0 }), store, q({ range: '7d' }), T0);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'history_required' });
    expect((response.body as { error: string }).error).toContain('--db memory');
  });

  it('keeps queue lengths per minute, back in the queue history after a restart', async () => {
    const file = join(dir, `h${++files}.db`);
    const c = { now: T0 };
    const first = await run(file, c);
    for (let s = 0; s < 180; s += 5) first.queues.record('celery', T0 + s * 1000, s % 60 === 30 ? 99 : s);
    c.now = T0 + 3 * MIN + 1_000;
    first.roller.tick();
    const before = first.queues.window('24h', c.now);
    await first.stop();

    const second = await run(file, c);
    expect(second.queues.window('24h', c.now)).toEqual(before);
    expect(second.queues.window('1h', c.now).queues[0]?.points.length).toBe(3);
    await second.stop();
  });

  it('keeps worker online periods, closing the one open at the stop when its worker was last heard', async () => {
    const file = join(dir, `h${++files}.db`);
    const c = { now: T0 };
    const first = await run(file, c);
    const flushed = () => new Promise((resolve) => setTimeout(resolve, 60));
    const worker = (type: string, at: number) => first.apply(decoded({ type, hostname: 'celery@w1', timestamp: at / 1000, freq: 2, sw_ident: 'py-celery', sw_ver: '5.3', sw_sys: 'Linux' }), at);
    worker('worker-online', T0);
    await flushed();
    worker('worker-offline', T0 + 90_000);
    await flushed();
    worker('worker-online', T0 + 120_000);
    await flushed();
    worker('worker-heartbeat', T0 + 150_000);
    await first.stop();

    c.now = T0 + HOUR;
    const second = await run(file, c);
    expect(second.store.worker('celery@w1')?.alive(c.now / 1000)).toBe(false);
    await second.stop();
    const third = await run(file, c);
    expect(await third.history.workerPeriods('celery@w1', 0, c.now / 1000)).toEqual([
      { hostname: 'celery@w1', from: T0 / 1000, to: T0 / 1000 + 90 },
      { hostname: 'celery@w1', from: T0 / 1000 + 120, to: T0 / 1000 + 150 },
    ]);
    const answer = await getWorkerPeriods(third.store, 'celery@w1', q({ range: '24h' }), c.now);
    expect((answer.body as WorkerPeriodsResponse).periods).toEqual([
      { from: T0, to: T0 + 90_000 },
      { from: T0 + 120_000, to: T0 + 150_000 },
    ]);
    await third.stop();
  });
});

