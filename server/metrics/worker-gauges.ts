/**
 * Per-worker gauges at 1 min for 24 h: active and processed (from heartbeats), the 1-minute load
 * average (heartbeats), pool size and resident memory (`inspect stats`, through recordWorkerStats).
 * Each minute holds the last value received in it; minutes with none read as null.
 *
 * A worker's ring is about 35 kB (processed as f64, the others as f32), made on first use.
 */
import type { WorkerPointJson } from '@/lib/api/metrics';
import { type BucketRange, MINUTE_SLOTS } from './metric-types';

export const GAUGE_FIELDS = ['active', 'loadavg', 'poolSize', 'rssBytes'] as const;
export type GaugeField = (typeof GAUGE_FIELDS)[number] | 'processed';
const FIELD_COUNT = GAUGE_FIELDS.length;

/** One minute of a worker's gauges (`t`: start of the minute, epoch ms), as `/api/v1/metrics/workers/:name` serves it. */
export type WorkerPoint = WorkerPointJson;

class GaugeRing {
  /** f32 fields, FIELD_COUNT per minute slot, in GAUGE_FIELDS order. */
  readonly values = new Float32Array(MINUTE_SLOTS * FIELD_COUNT).fill(NaN);
  /** Processed counts can pass 2^24, so they keep f64. */
  readonly processed = new Float64Array(MINUTE_SLOTS).fill(NaN);
  head = -Infinity;

  set(minute: number, field: GaugeField, value: number): void {
    if (minute > this.head) this.advance(minute);
    else if (minute <= this.head - MINUTE_SLOTS) return;
    const slot = minute % MINUTE_SLOTS;
    if (field === 'processed') this.processed[slot] = value;
    else this.values[slot * FIELD_COUNT + GAUGE_FIELDS.indexOf(field)] = value;
  }

  point(minute: number): WorkerPoint {
    const t = minute * 60_000;
    if (minute > this.head || minute <= this.head - MINUTE_SLOTS) {
      return { t, active: null, processed: null, loadavg: null, poolSize: null, rssBytes: null };
    }
    const slot = minute % MINUTE_SLOTS;
    const at = (k: number): number | null => nullIfNaN(this.values[slot * FIELD_COUNT + k] as number);
    return { t, active: at(0), processed: nullIfNaN(this.processed[slot] as number), loadavg: at(1), poolSize: at(2), rssBytes: at(3) };
  }

  private advance(minute: number): void {
    if (minute - this.head >= MINUTE_SLOTS) {
      this.values.fill(NaN);
      this.processed.fill(NaN);
    } else {
      for (let m = this.head + 1; m <= minute; m++) {
        const slot = m % MINUTE_SLOTS;
        this.values.fill(NaN, slot * FIELD_COUNT, (slot + 1) * FIELD_COUNT);
        this.processed[slot] = NaN;
      }
    }
    this.head = minute;
  }
}

function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

export class WorkerGauges {
  private readonly rings: (GaugeRing | undefined)[] = [];

  get bytes(): number {
    let bytes = 0;
    for (const ring of this.rings) if (ring) bytes += ring.values.byteLength + ring.processed.byteLength;
    return bytes;
  }

  /** Sets one gauge of worker `id` for `minute`; non-finite or null values are skipped. */
  set(id: number, minute: number, field: GaugeField, value: number | null | undefined): void {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    let ring = this.rings[id];
    if (ring === undefined) ring = this.rings[id] = new GaugeRing();
    ring.set(minute, field, value);
  }

  drop(id: number): void {
    this.rings[id] = undefined;
  }

  points(id: number, range: BucketRange): WorkerPoint[] {
    const ring = id < 0 ? undefined : this.rings[id];
    const points: WorkerPoint[] = [];
    for (let m = range.first; m <= range.last; m++) {
      points.push(ring ? ring.point(m) : { t: m * 60_000, active: null, processed: null, loadavg: null, poolSize: null, rssBytes: null });
    }
    return points;
  }
}
