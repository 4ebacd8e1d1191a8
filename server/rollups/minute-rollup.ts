/**
 * One minute of the in-memory metrics as rollup rows: per task name (and every task together) its
 * task-event counts and latency sketches. Read once a minute through Metrics' window reads: a few Map
 * look-ups per name and one pass over the minute's sketches per latency kind, never per event.
 */
import type { DDSketch } from '@datadog/sketches-js';
import { EVERY_TASK } from '../history/metric-history';
import { COUNT_STATES, LATENCY_KINDS, type Metrics } from '../metrics';

export interface MinuteFigures {
  readonly task: string;
  readonly counts: number[];
  /** One per LATENCY_KINDS; null where nothing was observed. */
  readonly sketches: (DDSketch | null)[];
}

export function minuteFigures(metrics: Metrics, minute: number): MinuteFigures[] {
  const window = { from: minute * 60_000, to: minute * 60_000 + 59_999, resolution: 'minute' as const };
  const byTask = LATENCY_KINDS.map((kind) => metrics.latencySketchesByTask(kind, window));
  const out: MinuteFigures[] = [];
  for (const task of [EVERY_TASK, ...metrics.keys('task')]) {
    const totals = task === EVERY_TASK ? metrics.totals('all', '', window) : metrics.totals('task', task, window);
    const counts = COUNT_STATES.map((state) => totals[state]);
    const sketches = LATENCY_KINDS.map((kind, k) => {
      const sketch = task === EVERY_TASK ? metrics.latencySketch(kind, null, window) : (byTask[k]?.get(task) ?? null);
      return sketch !== null && sketch.count > 0 ? sketch : null;
    });
    if (counts.some((n) => n > 0) || sketches.some((s) => s !== null)) out.push({ task, counts, sketches });
  }
  return out;
}
