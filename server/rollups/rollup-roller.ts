/**
 * Once a minute, on the main thread and off the ingest path, the minute that just closed in the
 * in-memory metrics becomes history's rows (written behind with the next batch): per task name its
 * minute row, its hour row so far (the hour's figures are summed here, so an hour row is as exact as
 * its minutes), and each queue's length in that minute; and rows past their age are pruned, a slice
 * at a time. On stop the minute under way is written too.
 *
 * After a restart, the rows history already holds for the minute and hour under way are taken up, so a
 * restart within a minute or an hour adds to them instead of writing over them.
 */
import type { DDSketch } from '@datadog/sketches-js';
import { GRAIN_MS, type MetricHistory, type RollupRecord } from '../history/metric-history';
import type { QueueLengthRow, RollupRow } from '../history/write-batch';
import type { Metrics } from '../metrics';
import { addEncoded, encodeSketch } from '../metrics/sketch-codec';
import { addSketch, newSketch } from '../metrics/sketch-ops';
import type { QueueHistory } from '../queues/queue-history';
import { type MinuteFigures, minuteFigures } from './minute-rollup';

const MINUTE_MS = GRAIN_MS.minute;
const HOUR_MS = GRAIN_MS.hour;
export const MINUTES_KEPT_MS = 30 * 86_400_000;
export const HOURS_KEPT_MS = 365 * 86_400_000;
/** How often the clock is looked at: a closed minute is written within this of its end. */
const TICK_MS = 5_000;

interface Accumulated {
  readonly counts: number[];
  readonly sketches: (DDSketch | null)[];
}

export interface RollupRollerOptions {
  readonly metrics: Metrics;
  readonly history: MetricHistory;
  /** The queue sampler's readings; null without a broker. */
  readonly queues: QueueHistory | null;
  /** Epoch ms. */
  readonly now: () => number;
}

export class RollupRoller {
  /** The last minute written (its index, epoch ms / 60 000). */
  private rolled: number;
  private hour: number;
  private readonly hourSoFar = new Map<string, Accumulated>();
  /** What history held of the start's minute before this run, added when that minute is written. */
  private startMinute: { readonly minute: number; readonly rows: Map<string, Accumulated> } | null = null;
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly options: RollupRollerOptions) {
    const minute = Math.floor(options.now() / MINUTE_MS);
    this.rolled = minute - 1;
    this.hour = Math.floor((minute * MINUTE_MS) / HOUR_MS);
  }

  /**
   * Puts the last 24 hours of queue lengths back (before the sampler starts: readings go in oldest
   * first), takes up what history holds of the minute and hour under way, then rolls every minute.
   */
  static async start(options: RollupRollerOptions): Promise<RollupRoller> {
    const roller = new RollupRoller(options);
    if (options.queues !== null) {
      const now = options.now();
      for (const reading of await options.history.queueLengths(now - 1440 * MINUTE_MS, now)) {
        options.queues.record(reading.queue, reading.at, reading.max);
        options.queues.record(reading.queue, reading.at, reading.length);
      }
    }
    const minute = roller.rolled + 1;
    const accuracy = options.metrics.accuracy;
    const [hourRows, minuteRows] = await Promise.all([
      options.history.rollups('hour', null, roller.hour * HOUR_MS, roller.hour * HOUR_MS),
      options.history.rollups('minute', null, minute * MINUTE_MS, minute * MINUTE_MS),
    ]);
    const [everyHour, everyMinute] = await Promise.all([
      options.history.rollups('hour', '', roller.hour * HOUR_MS, roller.hour * HOUR_MS),
      options.history.rollups('minute', '', minute * MINUTE_MS, minute * MINUTE_MS),
    ]);
    for (const row of [...hourRows, ...everyHour]) roller.hourSoFar.set(row.task, accumulated(row, accuracy));
    const base = new Map<string, Accumulated>();
    for (const row of [...minuteRows, ...everyMinute]) base.set(row.task, accumulated(row, accuracy));
    if (base.size > 0) roller.startMinute = { minute, rows: base };
    roller.timer = setInterval(() => roller.tick(), TICK_MS);
    roller.timer.unref();
    return roller;
  }

  /** Writes every minute closed since the last tick (all of them after a stall, as memory keeps 24 h). */
  tick(): void {
    const now = this.options.now();
    const current = Math.floor(now / MINUTE_MS);
    const first = Math.max(this.rolled + 1, current - 1440);
    if (first >= current) return;
    for (let minute = first; minute < current; minute++) this.roll(minute);
    this.rolled = current - 1;
    // Once a minute, like the rows that age.
    this.options.history.note({ prune: [now - MINUTES_KEPT_MS, now - HOURS_KEPT_MS, now - MINUTES_KEPT_MS] });
  }

  /** Writes the minute under way too (as it is now), for a stop; a start within it adds to it. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.tick();
    this.roll(Math.floor(this.options.now() / MINUTE_MS));
  }

  private roll(minute: number): void {
    const hour = Math.floor((minute * MINUTE_MS) / HOUR_MS);
    if (hour !== this.hour) {
      this.hour = hour;
      this.hourSoFar.clear();
    }
    const accuracy = this.options.metrics.accuracy;
    const figures = minuteFigures(this.options.metrics, minute);
    const minutes: RollupRow[] = [];
    const hours: RollupRow[] = [];
    const base = this.startMinute?.minute === minute ? this.startMinute.rows : null;
    for (const figure of figures) {
      let sofar = this.hourSoFar.get(figure.task);
      if (sofar === undefined) this.hourSoFar.set(figure.task, (sofar = { counts: new Array<number>(figure.counts.length).fill(0), sketches: figure.sketches.map(() => null) }));
      add(sofar, figure, accuracy);
      hours.push(row(figure.task, hour * HOUR_MS, sofar));
      const before = base?.get(figure.task);
      if (before !== undefined) add(before, figure, accuracy);
      minutes.push(row(figure.task, minute * MINUTE_MS, before ?? figure));
    }
    const queues: QueueLengthRow[] = (this.options.queues?.minute(minute) ?? []).map((q) => [q.queue, minute * MINUTE_MS, q.last, q.max]);
    this.options.history.note({ rollupMinutes: minutes, rollupHours: hours, queueLengths: queues });
  }
}

function accumulated(record: RollupRecord, accuracy: number): Accumulated {
  const sketches = [record.runtime, record.wait, record.endToEnd].map((bytes) => {
    if (bytes === null) return null;
    const sketch = newSketch(accuracy);
    addEncoded(sketch, bytes);
    return sketch;
  });
  return { counts: [...record.counts], sketches };
}

function add(into: Accumulated, figure: MinuteFigures, accuracy: number): void {
  figure.counts.forEach((n, i) => (into.counts[i] = (into.counts[i] ?? 0) + n));
  figure.sketches.forEach((sketch, k) => {
    if (sketch === null) return;
    const target = into.sketches[k] ?? newSketch(accuracy);
    addSketch(target, sketch);
    into.sketches[k] = target;
  });
}

function row(task: string, at: number, figures: Accumulated): RollupRow {
  const [sent, received, started, succeeded, failed, retried, revoked, rejected] = figures.counts as [number, number, number, number, number, number, number, number];
  const [runtime, wait, endToEnd] = figures.sketches.map((s) => (s === null ? null : encodeSketch(s))) as [Uint8Array | null, Uint8Array | null, Uint8Array | null];
  return [task, at, sent, received, started, succeeded, failed, retried, revoked, rejected, runtime, wait, endToEnd];
}
