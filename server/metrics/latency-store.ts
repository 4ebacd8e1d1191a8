/**
 * Latency distributions: runtime, wait and end-to-end, per task name and overall, as one DDSketch per
 * series, kind and minute for 24 h, merged for any window of whole minutes.
 *
 * The current minute's sketches are live DDSketch objects, made on first use in that minute (so the
 * hot path allocates only when a series starts a new minute); when the minute ends they are packed
 * into a SketchArena and dropped. Each observation goes into its task name's sketch only (observations
 * without a name into an `unnamed` series): the overall sketch of a minute is their merge, made once
 * when the minute closes, and at query time for the live minute. Merging is exact, so overall answers
 * the same as if every value had been added to it, for one insert per observation instead of two.
 *
 * Series numbers: 0 overall, 1 + task-name id (OTHER included), then `unnamed`.
 * Memory: live sketches ≤ (task-name cap + 2) × 3 (about 1 kB each), plus the arena's budget.
 */
import type { DDSketch } from '@datadog/sketches-js';
import { MINUTE_SLOTS } from './metric-types';
import { SketchArena } from './sketch-arena';
import { addSketch, newSketch, observe } from './sketch-ops';

export const LATENCY_KINDS = ['runtime', 'wait', 'endToEnd'] as const;
export type LatencyKind = (typeof LATENCY_KINDS)[number];
const KINDS = LATENCY_KINDS.length;

export const OVERALL_SERIES = 0;

export interface LatencyStoreOptions {
  /** Task-name ids (the cap + 1 for OTHER). */
  readonly names: number;
  readonly relativeAccuracy: number;
  /** Budget of the arena of closed minutes, in bytes. */
  readonly budgetBytes: number;
}

export class LatencyStore {
  readonly arena: SketchArena;
  readonly unnamedSeries: number;
  /** Live sketch of series s, kind k at s × KINDS + k; null when none this minute. */
  private readonly live: (DDSketch | null)[];
  private readonly touched: number[] = [];
  private minute = -Infinity;

  constructor(private readonly options: LatencyStoreOptions) {
    this.arena = new SketchArena(Math.floor(options.budgetBytes / 4));
    this.unnamedSeries = options.names + 1;
    this.live = new Array<DDSketch | null>((this.unnamedSeries + 1) * KINDS).fill(null);
  }

  get liveCount(): number {
    return this.touched.length;
  }

  /** One observation in seconds, in `minute`, for task-name id `nameId` (-1: unnamed). */
  record(kind: number, nameId: number, seconds: number, minute: number): void {
    if (minute > this.minute) this.roll(minute);
    const index = (nameId >= 0 ? nameId + 1 : this.unnamedSeries) * KINDS + kind;
    let sketch = this.live[index];
    if (!sketch) {
      sketch = this.live[index] = newSketch(this.options.relativeAccuracy);
      this.touched.push(index);
    }
    observe(sketch, seconds);
  }

  /** Closes the live minute if `minute` is later (earlier minutes are folded into the live one). */
  roll(minute: number): void {
    if (minute <= this.minute) return;
    if (this.touched.length > 0) {
      const overall: DDSketch[] = [];
      for (let k = 0; k < KINDS; k++) overall.push(newSketch(this.options.relativeAccuracy));
      for (const index of this.touched) {
        const sketch = this.live[index] as DDSketch;
        const series = Math.floor(index / KINDS);
        addSketch(overall[index % KINDS] as DDSketch, sketch);
        if (series !== this.unnamedSeries) this.arena.append(this.minute, series, index % KINDS, sketch);
        this.live[index] = null;
      }
      for (let k = 0; k < KINDS; k++) if ((overall[k] as DDSketch).count > 0) this.arena.append(this.minute, OVERALL_SERIES, k, overall[k] as DDSketch);
      this.touched.length = 0;
    }
    this.minute = minute;
    this.arena.trimBefore(minute - MINUTE_SLOTS + 1);
  }

  /** Adds minutes first … last of (series, kind) into `target`. */
  mergeRange(series: number, kind: number, first: number, last: number, target: DDSketch): void {
    const arena = this.arena;
    arena.forEach(first, last, (pos) => {
      if (arena.seriesAt(pos) === series && arena.kindAt(pos) === kind) arena.mergeInto(pos, target);
    });
    if (this.minute >= first && this.minute <= last) this.forLive(series, kind, (sketch) => addSketch(target, sketch));
  }

  /** One sketch per minute of first … last that has data for (series, kind). */
  perMinute(series: number, kind: number, first: number, last: number): Map<number, DDSketch> {
    const out = new Map<number, DDSketch>();
    const arena = this.arena;
    arena.forEach(first, last, (pos) => {
      if (arena.seriesAt(pos) === series && arena.kindAt(pos) === kind) arena.mergeInto(pos, this.entry(out, arena.timeAt(pos)));
    });
    if (this.minute >= first && this.minute <= last) this.forLive(series, kind, (sketch) => addSketch(this.entry(out, this.minute), sketch));
    return out;
  }

  /** Every task-name series of `kind` over first … last, merged per series, in one pass. */
  byName(kind: number, first: number, last: number): Map<number, DDSketch> {
    const out = new Map<number, DDSketch>();
    const arena = this.arena;
    arena.forEach(first, last, (pos) => {
      const series = arena.seriesAt(pos);
      if (series !== OVERALL_SERIES && arena.kindAt(pos) === kind) arena.mergeInto(pos, this.entry(out, series));
    });
    if (this.minute >= first && this.minute <= last) {
      for (const index of this.touched) {
        const series = Math.floor(index / KINDS);
        if (index % KINDS === kind && series !== this.unnamedSeries) addSketch(this.entry(out, series), this.live[index] as DDSketch);
      }
    }
    return out;
  }

  /** The live sketches of (series, kind): its own, or for overall every live one of that kind. */
  private forLive(series: number, kind: number, visit: (sketch: DDSketch) => void): void {
    if (series !== OVERALL_SERIES) {
      const sketch = this.live[series * KINDS + kind];
      if (sketch) visit(sketch);
      return;
    }
    for (const index of this.touched) if (index % KINDS === kind) visit(this.live[index] as DDSketch);
  }

  private entry(map: Map<number, DDSketch>, key: number): DDSketch {
    let sketch = map.get(key);
    if (!sketch) map.set(key, (sketch = newSketch(this.options.relativeAccuracy)));
    return sketch;
  }
}
