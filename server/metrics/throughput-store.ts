/**
 * Task event counts by state, per series of one dimension, at 1 s for 15 min and 1 min for 24 h.
 *
 * A series is two CountRings (900 × 8 and 1440 × 8 counters, 8-bit until one needs more): 19 kB for a
 * quiet series, 75 kB at most, made on first use. Memory is at most (cap + 1) × that per dimension. An event is counted once, in
 * its second; seconds spill into their minute when they leave the 15-minute ring, so a minute's count
 * is the minute ring's plus the seconds of it the second ring still holds.
 */
import { CountRing } from './count-ring';
import {
  type BucketRange,
  type Counts,
  countsFrom,
  MINUTE_MS,
  MINUTE_SLOTS,
  SECOND_MS,
  SECOND_SLOTS,
  STATE_COUNT,
} from './metric-types';

const SECONDS_PER_MINUTE = MINUTE_MS / SECOND_MS;

class CountSeries {
  readonly minutes = new CountRing(MINUTE_SLOTS, STATE_COUNT);
  readonly seconds = new CountRing(SECOND_SLOTS, STATE_COUNT, this.minutes, SECONDS_PER_MINUTE);
}

export interface CountPoint {
  /** Start of the bucket, epoch ms. */
  readonly t: number;
  readonly counts: Counts;
}

export class ThroughputStore {
  private readonly series: (CountSeries | undefined)[] = [];
  /** Counts refused because they were older than 24 h (a clock that went back). */
  late = 0;

  /** Number of series that exist. */
  get size(): number {
    let n = 0;
    for (const s of this.series) if (s) n++;
    return n;
  }

  get bytes(): number {
    let bytes = 0;
    for (const s of this.series) if (s) bytes += s.seconds.bytes + s.minutes.bytes;
    return bytes;
  }

  count(id: number, state: number, second: number, minute: number): void {
    let s = this.series[id];
    if (s === undefined) s = this.series[id] = new CountSeries();
    if (!s.seconds.add(second, state) && !s.minutes.add(minute, state)) this.late++;
  }

  /** Forgets a series whose id was released. */
  drop(id: number): void {
    this.series[id] = undefined;
  }

  points(id: number, range: BucketRange): CountPoint[] {
    const s = id < 0 ? undefined : this.series[id];
    const points: CountPoint[] = [];
    const values = new Float64Array(STATE_COUNT);
    for (let b = range.first; b <= range.last; b++) {
      values.fill(0);
      if (s) addBucket(s, range, b, values);
      points.push({ t: b * range.step, counts: countsFrom(values) });
    }
    return points;
  }

  totals(id: number, range: BucketRange): Counts {
    const s = id < 0 ? undefined : this.series[id];
    const values = new Float64Array(STATE_COUNT);
    if (s) for (let b = range.first; b <= range.last; b++) addBucket(s, range, b, values);
    return countsFrom(values);
  }
}

/** Adds bucket b of the range's resolution into `out`: a second, or a minute and its unspilled seconds. */
function addBucket(s: CountSeries, range: BucketRange, b: number, out: Float64Array): void {
  if (range.resolution === 'second') {
    s.seconds.addTo(b, out);
    return;
  }
  s.minutes.addTo(b, out);
  const newest = s.seconds.newest;
  const first = Math.max(b * SECONDS_PER_MINUTE, newest - SECOND_SLOTS + 1);
  const last = Math.min((b + 1) * SECONDS_PER_MINUTE - 1, newest);
  for (let second = first; second <= last; second++) s.seconds.addTo(second, out);
}
