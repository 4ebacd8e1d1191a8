/**
 * Metric windows answered with history: those reaching past what memory keeps (24 h of minutes), such
 * as the 7-day and 30-day ranges, from the hour (or minute) rollups; and, after a restart, the part of a
 * shorter window before this start from the minute rollups, the rest from memory as before. Null:
 * memory answers the window alone (it lies within this run and the last 24 h, or history holds nothing
 * before this start).
 */
import type { DDSketch } from '@datadog/sketches-js';
import { GRAIN_MS, type MetricHistory, type RollupGrain, type RollupRecord } from '../history/metric-history';
import { COUNT_STATES, type Counts, type CountPoint, type LatencyKind, type Metrics, type TimeWindow } from '../metrics';
import { countsFrom, MINUTE_SLOTS } from '../metrics/metric-types';
import { addEncoded } from '../metrics/sketch-codec';
import { addSketch, type LatencySummary, newSketch, summarize } from '../metrics/sketch-ops';
import { HOURS_KEPT_MS, MINUTES_KEPT_MS } from './rollup-roller';

const DAY_MS = 86_400_000;

export interface HistoryPlan {
  readonly grain: RollupGrain;
  readonly step: number;
  /** Buckets (epoch ms / step) of the window. */
  readonly first: number;
  readonly last: number;
  /** Buckets before this one come from history, the others from memory (minute grain only). */
  readonly memoryFrom: number;
}

/** How a window is answered; null: from memory alone. `second`: the caller asked for seconds, which only memory has. */
export function historyPlan(window: TimeWindow, nowMs: number, startedAtMs: number): HistoryPlan | null {
  if (window.resolution === 'second') return null;
  const minute = GRAIN_MS.minute;
  const memoryFromMs = Math.max(Math.floor(startedAtMs / minute) * minute, (Math.floor(nowMs / minute) - MINUTE_SLOTS + 1) * minute);
  if (window.from >= memoryFromMs) return null;
  const grain: RollupGrain = window.to - window.from > DAY_MS ? 'hour' : 'minute';
  const step = GRAIN_MS[grain];
  const kept = grain === 'hour' ? HOURS_KEPT_MS : MINUTES_KEPT_MS;
  const first = Math.max(Math.floor(window.from / step), Math.floor((nowMs - kept) / step));
  const last = Math.floor(Math.min(window.to, nowMs) / step);
  return { grain, step, first, last, memoryFrom: grain === 'hour' ? last + 1 : Math.floor(memoryFromMs / step) };
}

async function historyRows(history: MetricHistory, plan: HistoryPlan, task: string | null): Promise<RollupRecord[]> {
  const last = Math.min(plan.last, plan.memoryFrom - 1);
  return last < plan.first ? [] : history.rollups(plan.grain, task, plan.first * plan.step, last * plan.step);
}

/** Whether a plan that only fills the past before this start has anything to fill it with. */
function worthIt(plan: HistoryPlan, rows: readonly RollupRecord[]): boolean {
  return plan.grain === 'hour' || plan.memoryFrom > plan.last || rows.length > 0;
}

export interface HistoryThroughput {
  readonly resolution: RollupGrain;
  readonly step: number;
  readonly points: CountPoint[];
  readonly totals: Counts;
}

/** Counts per bucket for one task name, or every task together (''). */
export async function historyThroughput(history: MetricHistory, metrics: Metrics, task: string, window: TimeWindow, nowMs: number): Promise<HistoryThroughput | null> {
  const plan = historyPlan(window, nowMs, history.startedAtMs);
  if (plan === null) return null;
  const rows = await historyRows(history, plan, task);
  if (!worthIt(plan, rows)) return null;
  const stored = new Map(rows.map((row) => [row.at / plan.step, row.counts]));
  const memory = new Map<number, Counts>();
  if (plan.memoryFrom <= plan.last) {
    const from = { from: plan.memoryFrom * plan.step, to: window.to, resolution: 'minute' as const };
    const points = task === '' ? metrics.series('all', '', from) : metrics.series('task', task, from);
    for (const point of points) memory.set(point.t / plan.step, point.counts);
  }
  const points: CountPoint[] = [];
  const sums = new Float64Array(COUNT_STATES.length);
  for (let b = plan.first; b <= plan.last; b++) {
    const counts = b < plan.memoryFrom ? countsFrom(stored.get(b) ?? []) : (memory.get(b) ?? countsFrom([]));
    COUNT_STATES.forEach((state, i) => (sums[i] = (sums[i] as number) + counts[state]));
    points.push({ t: b * plan.step, counts });
  }
  return { resolution: plan.grain, step: plan.step, points, totals: countsFrom(sums) };
}

const SKETCH_OF: Readonly<Record<LatencyKind, 'runtime' | 'wait' | 'endToEnd'>> = { runtime: 'runtime', wait: 'wait', endToEnd: 'endToEnd' };

export interface HistoryLatency {
  readonly step: number;
  /** Buckets (epoch ms / step) of the window. */
  readonly first: number;
  readonly last: number;
  /** The window's distribution. */
  readonly sketch: DDSketch;
  /** Per bucket with data, by bucket start (epoch ms). */
  readonly buckets: Map<number, LatencySummary>;
}

/** One latency kind of a task name, or of every task together (null), over the window. */
export async function historyLatency(history: MetricHistory, metrics: Metrics, kind: LatencyKind, task: string | null, window: TimeWindow, nowMs: number): Promise<HistoryLatency | null> {
  const plan = historyPlan(window, nowMs, history.startedAtMs);
  if (plan === null) return null;
  const rows = await historyRows(history, plan, task ?? '');
  if (!worthIt(plan, rows)) return null;
  const accuracy = metrics.accuracy;
  const sketch = newSketch(accuracy);
  const buckets = new Map<number, LatencySummary>();
  for (const row of rows) {
    const bytes = row[SKETCH_OF[kind]];
    if (bytes === null) continue;
    const bucket = newSketch(accuracy);
    addEncoded(bucket, bytes);
    addSketch(sketch, bucket);
    buckets.set(row.at, summarize(bucket));
  }
  if (plan.memoryFrom <= plan.last) {
    const rest = { from: plan.memoryFrom * plan.step, to: window.to, resolution: 'minute' as const };
    const live = metrics.latencySketch(kind, task, rest);
    if (live !== null) addSketch(sketch, live);
    for (const point of metrics.latencySeries(kind, task, rest)) if (point.latency.count > 0) buckets.set(point.t, point.latency);
  }
  return { step: plan.step, first: plan.first, last: plan.last, sketch, buckets };
}

/** Every task name's distribution of one kind over the window. */
export async function historyLatencyByTask(history: MetricHistory, metrics: Metrics, kind: LatencyKind, window: TimeWindow, nowMs: number): Promise<Map<string, DDSketch> | null> {
  const plan = historyPlan(window, nowMs, history.startedAtMs);
  if (plan === null) return null;
  const rows = await historyRows(history, plan, null);
  if (!worthIt(plan, rows)) return null;
  const out = plan.memoryFrom <= plan.last ? metrics.latencySketchesByTask(kind, { from: plan.memoryFrom * plan.step, to: window.to, resolution: 'minute' }) : new Map<string, DDSketch>();
  for (const row of rows) {
    const bytes = row[SKETCH_OF[kind]];
    if (bytes === null) continue;
    let sketch = out.get(row.task);
    if (sketch === undefined) out.set(row.task, (sketch = newSketch(metrics.accuracy)));
    addEncoded(sketch, bytes);
  }
  return out;
}

