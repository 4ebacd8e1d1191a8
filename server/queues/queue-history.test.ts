import { describe, expect, it } from 'vitest';
import { MINUTE_MS, QueueHistory, SAMPLE_MS } from './queue-history';

/** A round time, so that slots start where the readings are. */
const T0 = 1_800_000_000_000;
const HOUR_MS = 60 * MINUTE_MS;

describe('QueueHistory', () => {
  it('gives one point per 5 s reading for 15m, oldest first, and leaves out slots without a reading', () => {
    const history = new QueueHistory();
    history.record('celery', T0, 4);
    history.record('celery', T0 + SAMPLE_MS, 7);
    // The broker was down for two ticks.
    history.record('celery', T0 + 4 * SAMPLE_MS, 2);
    const window = history.window('15m', T0 + 4 * SAMPLE_MS);
    expect(window).toMatchObject({ range: '15m', step: SAMPLE_MS, to: T0 + 4 * SAMPLE_MS, from: T0 + 4 * SAMPLE_MS - 15 * MINUTE_MS });
    expect(window.queues).toEqual([
      {
        name: 'celery',
        points: [
          { t: T0, messages: 4, max: 4 },
          { t: T0 + SAMPLE_MS, messages: 7, max: 7 },
          { t: T0 + 4 * SAMPLE_MS, messages: 2, max: 2 },
        ],
      },
    ]);
  });

  it('keeps the last and the largest reading of each minute for 24h', () => {
    const history = new QueueHistory();
    for (const [offset, messages] of [[0, 3], [SAMPLE_MS, 9], [2 * SAMPLE_MS, 5], [MINUTE_MS, 1]] as const) history.record('q', T0 + offset, messages);
    expect(history.window('24h', T0 + MINUTE_MS).queues[0]?.points).toEqual([
      { t: T0, messages: 5, max: 9 },
      { t: T0 + MINUTE_MS, messages: 1, max: 1 },
    ]);
  });

  it('shows only readings inside the range: 15m drops what 1h still has', () => {
    const history = new QueueHistory();
    history.record('q', T0, 1);
    history.record('q', T0 + 30 * MINUTE_MS, 2);
    const now = T0 + 30 * MINUTE_MS;
    expect(history.window('15m', now).queues[0]?.points.map((p) => p.messages)).toEqual([2]);
    expect(history.window('1h', now).queues[0]?.points.map((p) => p.messages)).toEqual([1, 2]);
  });

  it('does not show a reading whose slot has been reused a lap later', () => {
    const history = new QueueHistory();
    history.record('q', T0, 5);
    // 720 slots of 5 s later the same position holds a new reading; an hour after that the old one is gone too.
    history.record('q', T0 + HOUR_MS, 6);
    expect(history.window('1h', T0 + HOUR_MS).queues[0]?.points).toEqual([{ t: T0 + HOUR_MS, messages: 6, max: 6 }]);
    expect(history.window('24h', T0 + HOUR_MS).queues[0]?.points.map((p) => p.messages)).toEqual([5, 6]);
  });

  it('follows at most maxQueues queues and forgets those silent for 24 hours', () => {
    const history = new QueueHistory(2);
    expect(history.record('a', T0, 1)).toBe(true);
    expect(history.record('b', T0, 1)).toBe(true);
    expect(history.record('c', T0, 1)).toBe(false);
    expect(history.size).toBe(2);
    history.record('a', T0 + 12 * HOUR_MS, 1);
    history.prune(T0 + 24 * HOUR_MS);
    expect(history.has('b')).toBe(false);
    expect(history.has('a')).toBe(true);
    expect(history.record('c', T0 + 24 * HOUR_MS, 1)).toBe(true);
  });

  it('limits and orders the answer by the names asked for, and leaves out queues with nothing in range', () => {
    const history = new QueueHistory();
    history.record('b', T0, 1);
    history.record('a', T0, 2);
    history.record('old', T0 - 2 * HOUR_MS, 3);
    expect(history.window('1h', T0).queues.map((q) => q.name)).toEqual(['a', 'b']);
    expect(history.window('1h', T0, ['b', 'nope']).queues.map((q) => q.name)).toEqual(['b']);
  });

  it('stores counts as whole non-negative numbers', () => {
    const history = new QueueHistory();
    history.record('q', T0, -3);
    history.record('q', T0 + SAMPLE_MS, 2.6);
    expect(history.window('15m', T0 + SAMPLE_MS).queues[0]?.points.map((p) => p.messages)).toEqual([0, 3]);
  });
});
