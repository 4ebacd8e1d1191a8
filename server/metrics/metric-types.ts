/**
 * Names and shapes shared by the metrics stores: what is counted, over which dimensions, at which
 * resolutions, and the query window.
 */

/** Task event types counted, in counter-slot order. task-cancelled and custom events are not counted. */
export const COUNT_STATES = ['sent', 'received', 'started', 'succeeded', 'failed', 'retried', 'revoked', 'rejected'] as const;
export type CountState = (typeof COUNT_STATES)[number];
export const STATE_COUNT = COUNT_STATES.length;
export type Counts = Record<CountState, number>;

/** Counter slot of a task event type, or -1 when that type is not counted. */
export function stateIndex(type: string): number {
  switch (type) {
    case 'task-sent': return 0;
    case 'task-received': return 1;
    case 'task-started': return 2;
    case 'task-succeeded': return 3;
    case 'task-failed': return 4;
    case 'task-retried': return 5;
    case 'task-revoked': return 6;
    case 'task-rejected': return 7;
    default: return -1;
  }
}

export function countsFrom(values: ArrayLike<number>): Counts {
  return {
    sent: values[0] ?? 0, received: values[1] ?? 0, started: values[2] ?? 0, succeeded: values[3] ?? 0,
    failed: values[4] ?? 0, retried: values[5] ?? 0, revoked: values[6] ?? 0, rejected: values[7] ?? 0,
  };
}

/**
 * `all` has one series (its key is ignored); the others have one series per task name, worker node
 * name or queue, created on first use up to a cap, past which events go to the OTHER_KEY series.
 */
export type Dimension = 'all' | 'task' | 'worker' | 'queue';
export const DIMENSIONS: readonly Dimension[] = ['all', 'task', 'worker', 'queue'];
/** The series that takes every key past a dimension's cap. */
export const OTHER_KEY = '(other)';

export type Resolution = 'second' | 'minute';
export const SECOND_MS = 1000;
export const MINUTE_MS = 60_000;
/** 1 s buckets kept: 15 minutes. */
export const SECOND_SLOTS = 900;
/** 1 min buckets kept: 24 hours. */
export const MINUTE_SLOTS = 1440;

export function resolutionMs(resolution: Resolution): number {
  return resolution === 'second' ? SECOND_MS : MINUTE_MS;
}

export function slotsOf(resolution: Resolution): number {
  return resolution === 'second' ? SECOND_SLOTS : MINUTE_SLOTS;
}

/**
 * A closed time window in epoch milliseconds (our receive clock): every bucket that contains a time in
 * [from, to]. It is clamped to what is kept (15 min of seconds, 24 h of minutes) and to the clock's now.
 */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
  /** Defaults to `second` when the whole window lies within the last 15 minutes, else `minute`. */
  readonly resolution?: Resolution;
}

export interface BucketRange {
  readonly resolution: Resolution;
  readonly first: number;
  readonly last: number;
  /** Bucket length in ms: bucket b covers [b × step, (b + 1) × step). */
  readonly step: number;
}

/** The buckets a window covers, clamped to those kept at its resolution; first > last when none. */
export function bucketRange(window: TimeWindow, now: number): BucketRange {
  const resolution = window.resolution ?? (window.from >= now - SECOND_SLOTS * SECOND_MS + SECOND_MS ? 'second' : 'minute');
  const step = resolutionMs(resolution);
  const newest = Math.floor(now / step);
  const first = Math.max(Math.floor(window.from / step), newest - slotsOf(resolution) + 1);
  const last = Math.min(Math.floor(window.to / step), newest);
  return { resolution, first, last, step };
}
