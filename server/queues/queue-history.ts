/**
 * Queue lengths over time, from the sampler's readings: per queue, one ring of 5 s slots for the last
 * hour and one of 1 min slots for the last 24 hours, in typed arrays written in place, so memory is
 * fixed whatever the traffic. A slot holds the last reading in it and the largest; a slot with no reading
 * (the broker was down, the server was not running) is left out of a series rather than shown as 0.
 * Pure: time comes in as arguments.
 */

/** The sampler's period, and the fine ring's slot. */
export const SAMPLE_MS = 5_000;
export const MINUTE_MS = 60_000;
/** 720 × 5 s: the last hour, so that 15 min and 1 h are drawn from readings themselves. */
const FINE_SLOTS = 720;
/** 1440 × 1 min: the last 24 hours. */
const COARSE_SLOTS = 1440;
/**
 * Queues with a history: as many as metrics keep throughput series for (metrics.ts, maxQueues 200), so
 * every queue with a throughput chart can have a length chart. About 26 kB each, 5 MB in all.
 */
export const MAX_QUEUES = 200;

export const HISTORY_RANGES = { '15m': 15 * MINUTE_MS, '1h': 60 * MINUTE_MS, '24h': 24 * 60 * MINUTE_MS } as const;
export type HistoryRange = keyof typeof HISTORY_RANGES;

export interface HistoryPoint {
  /** Start of the slot, epoch ms. */
  readonly t: number;
  /** The last reading in the slot. */
  readonly messages: number;
  /** The largest reading in the slot. */
  readonly max: number;
}

export interface QueueSeries {
  readonly name: string;
  readonly points: readonly HistoryPoint[];
}

export interface HistoryWindow {
  readonly range: HistoryRange;
  /** Slot length of the points, ms. */
  readonly step: number;
  readonly from: number;
  readonly to: number;
  readonly queues: readonly QueueSeries[];
}

/** A ring of `slots` slots of `step` ms; slot s (epoch ms / step) lives at s mod slots. */
class GaugeRing {
  /** The absolute slot each position holds, -1 when none: a stale position is told apart from a current one. */
  private readonly slotOf: Int32Array;
  private readonly last: Uint32Array;
  private readonly max: Uint32Array;

  constructor(
    private readonly slots: number,
    readonly step: number,
  ) {
    this.slotOf = new Int32Array(slots).fill(-1);
    this.last = new Uint32Array(slots);
    this.max = new Uint32Array(slots);
  }

  record(at: number, value: number): void {
    const slot = Math.floor(at / this.step);
    const i = slot % this.slots;
    // Counts past 2^32 - 1 do not happen on a real broker; clamp rather than wrap.
    const v = Math.min(0xffff_ffff, Math.max(0, Math.round(value)));
    if (this.slotOf[i] !== slot) {
      this.slotOf[i] = slot;
      this.max[i] = v;
    } else if (v > (this.max[i] as number)) {
      this.max[i] = v;
    }
    this.last[i] = v;
  }

  /** The readings of slot `slot` (epoch ms / step), or null when it has none. */
  slot(slot: number): { readonly last: number; readonly max: number } | null {
    const i = slot % this.slots;
    return this.slotOf[i] === slot ? { last: this.last[i] as number, max: this.max[i] as number } : null;
  }

  /** Points in slots from `from` to `to` (epoch ms), oldest first. */
  points(from: number, to: number): HistoryPoint[] {
    const first = Math.max(Math.floor(from / this.step), Math.floor(to / this.step) - this.slots + 1);
    const last = Math.floor(to / this.step);
    const points: HistoryPoint[] = [];
    for (let slot = first; slot <= last; slot++) {
      const i = slot % this.slots;
      if (this.slotOf[i] === slot) points.push({ t: slot * this.step, messages: this.last[i] as number, max: this.max[i] as number });
    }
    return points;
  }
}

interface Tracked {
  readonly fine: GaugeRing;
  readonly coarse: GaugeRing;
  newest: number;
}

export class QueueHistory {
  private readonly queues = new Map<string, Tracked>();

  constructor(readonly maxQueues = MAX_QUEUES) {}

  /** A reading of `messages` in `queue` at `at` (epoch ms). False when the queue is new and the cap is reached. */
  record(queue: string, at: number, messages: number): boolean {
    let tracked = this.queues.get(queue);
    if (!tracked) {
      if (this.queues.size >= this.maxQueues) return false;
      tracked = { fine: new GaugeRing(FINE_SLOTS, SAMPLE_MS), coarse: new GaugeRing(COARSE_SLOTS, MINUTE_MS), newest: at };
      this.queues.set(queue, tracked);
    }
    tracked.fine.record(at, messages);
    tracked.coarse.record(at, messages);
    tracked.newest = Math.max(tracked.newest, at);
    return true;
  }

  /** Every queue's readings in minute `minute` (epoch ms / 60 000): the last and the largest. */
  minute(minute: number): { readonly queue: string; readonly last: number; readonly max: number }[] {
    const out: { queue: string; last: number; max: number }[] = [];
    for (const [queue, tracked] of this.queues) {
      const readings = tracked.coarse.slot(minute);
      if (readings !== null) out.push({ queue, ...readings });
    }
    return out;
  }

  has(queue: string): boolean {
    return this.queues.has(queue);
  }

  get size(): number {
    return this.queues.size;
  }

  /** Forgets queues with no reading in the last 24 hours, making room for others. */
  prune(now: number): void {
    for (const [name, tracked] of this.queues) if (tracked.newest <= now - HISTORY_RANGES['24h']) this.queues.delete(name);
  }

  /**
   * Every queue's points in the range ending at `now`: 5 s slots for 15m and 1h, 1 min slots for 24h.
   * `names` limits and orders the queues; queues without points in the range are left out.
   */
  window(range: HistoryRange, now: number, names?: readonly string[]): HistoryWindow {
    const from = now - HISTORY_RANGES[range];
    const coarse = range === '24h';
    const step = coarse ? MINUTE_MS : SAMPLE_MS;
    const queues: QueueSeries[] = [];
    for (const name of names ?? [...this.queues.keys()].sort()) {
      const tracked = this.queues.get(name);
      if (!tracked) continue;
      const points = (coarse ? tracked.coarse : tracked.fine).points(from, now);
      if (points.length > 0) queues.push({ name, points });
    }
    return { range, step, from, to: now, queues };
  }
}
