import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JsonValue } from '@/lib/celery';
import type { WorkerStats } from './metrics-shapes';
import { feedWorkerStats, type StatsSource, WorkerStatsRecorder, workerStatsFrom } from './worker-stats-feed';

/** The parts of a Celery 5.2 prefork worker's `inspect stats` reply that matter here. */
const PREFORK_STATS = {
  broker: { hostname: '127.0.0.1', transport: 'redis' },
  clock: '412',
  pid: 4242,
  pool: { 'max-concurrency': 4, 'max-tasks-per-child': 'N/A', processes: [4243, 4244, 4245, 4246], timeouts: [0, 0] },
  prefetch_count: 16,
  rusage: { idrss: 0, isrss: 0, ixrss: 0, maxrss: 51200, minflt: 15000, nvcsw: 200, stime: 0.3, utime: 1.2 },
  total: { 'tasks.add': 12 },
  uptime: 30,
};

describe('workerStatsFrom', () => {
  it.each<[string, JsonValue, WorkerStats | null]>([
    ['a prefork reply', PREFORK_STATS, { poolSize: 4, rssBytes: 51200 * 1024 }],
    ['a reply without rusage', { pool: { 'max-concurrency': 1 } }, { poolSize: 1, rssBytes: null }],
    ['a reply without pool', { rusage: { maxrss: 10 } }, { poolSize: null, rssBytes: 10240 }],
    ['a reply with neither', { total: {} }, null],
    ['numbers as strings', { pool: { 'max-concurrency': '4' }, rusage: { maxrss: '1' } }, null],
    ['an error reply', { error: 'No such method' }, null],
    ['not an object', 'pong', null],
    ['an array', [1, 2], null],
    ['null', null, null],
  ])('reads %s', (_, reply, expected) => {
    expect(workerStatsFrom(reply)).toEqual(expected);
  });
});

/** An inspect cache stand-in: replies set by the test, staleness and refreshes recorded. */
function fakeSource() {
  const replies = new Map<string, { value: JsonValue; at: number }>();
  const source = {
    stale: false,
    refreshes: 0,
    staleChecks: [] as string[][],
    workers: () => [...replies.keys()],
    snapshot: (worker: string) => {
      const stats = replies.get(worker);
      return stats ? { stats } : {};
    },
    isStale(_maxAgeMs: number, expected: Iterable<string> = []) {
      this.staleChecks.push([...expected]);
      return this.stale;
    },
    refreshInBackground() {
      this.refreshes++;
    },
  };
  return { replies, source: source satisfies StatsSource & Record<string, unknown> };
}

function sink() {
  const recorded: [string, WorkerStats, number][] = [];
  return { recorded, recordWorkerStats: (worker: string, stats: WorkerStats, at: number) => recorded.push([worker, stats, at]) };
}

describe('WorkerStatsRecorder', () => {
  it('records each reply once, at the time it arrived, whoever asked for it', () => {
    const { replies, source } = fakeSource();
    const out = sink();
    const recorder = new WorkerStatsRecorder(source, out);
    replies.set('celery@a', { value: PREFORK_STATS, at: 1000 });
    replies.set('celery@b', { value: { error: 'x' }, at: 1000 });
    expect(recorder.recordNew()).toBe(1);
    expect(recorder.recordNew()).toBe(0);
    replies.set('celery@a', { value: { ...PREFORK_STATS, pool: { 'max-concurrency': 8 } }, at: 2000 });
    expect(recorder.recordNew()).toBe(1);
    expect(out.recorded).toEqual([
      ['celery@a', { poolSize: 4, rssBytes: 51200 * 1024 }, 1000],
      ['celery@a', { poolSize: 8, rssBytes: 51200 * 1024 }, 2000],
    ]);
  });
});

describe('feedWorkerStats', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks for a refresh only when the online workers are stale, and stops when told', () => {
    vi.useFakeTimers();
    const { replies, source } = fakeSource();
    const out = sink();
    let online: string[] = [];
    const stop = feedWorkerStats(source, out, { onlineWorkers: () => online, checkEveryMs: 10_000 });
    source.stale = true;
    vi.advanceTimersByTime(10_000);
    expect(source.refreshes).toBe(0);

    online = ['celery@a'];
    replies.set('celery@a', { value: PREFORK_STATS, at: 5 });
    vi.advanceTimersByTime(10_000);
    expect(source.refreshes).toBe(1);
    expect(source.staleChecks.at(-1)).toEqual(['celery@a']);
    expect(out.recorded).toHaveLength(1);

    source.stale = false;
    vi.advanceTimersByTime(10_000);
    expect(source.refreshes).toBe(1);

    stop();
    source.stale = true;
    vi.advanceTimersByTime(60_000);
    expect(source.refreshes).toBe(1);
  });

  it('keeps going after a round that throws', () => {
    vi.useFakeTimers();
    const { source } = fakeSource();
    let calls = 0;
    const stop = feedWorkerStats(source, sink(), {
      onlineWorkers: () => {
        calls++;
        throw new Error('model busy');
      },
    });
    vi.advanceTimersByTime(30_000);
    expect(calls).toBe(3);
    stop();
  });
});
