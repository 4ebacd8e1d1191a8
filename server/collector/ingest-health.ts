/**
 * How well the event stream is arriving, for the rest of the server (health endpoint, dashboard banner):
 * events per second, malformed and unknown messages (counted, with recent samples kept), gaps after
 * reconnects, and the broker-side backlog where there is one.
 */
import type { DecodeError } from '@/lib/celery';
import type { StreamGap } from '@/lib/broker';

/** Seconds over which the event rate is averaged. */
const RATE_WINDOW = 10;
/** Recent malformed messages kept for inspection; older ones are only counted. */
const SAMPLES_KEPT = 20;
const SAMPLE_CHARS = 500;

export interface MalformedSample {
  /** Unix ms. */
  readonly at: number;
  readonly error: DecodeError;
  /** The start of the raw message. */
  readonly raw: string;
}

export interface IngestSnapshot {
  readonly eventsTotal: number;
  readonly eventsPerSecond: number;
  readonly messagesTotal: number;
  readonly malformedTotal: number;
  readonly malformedSamples: readonly MalformedSample[];
  /** Event types Celery does not define, with how often each was seen. */
  readonly customEventTypes: Readonly<Record<string, number>>;
  readonly gapsTotal: number;
  readonly lastGap: StreamGap | null;
  /** While the event stream is cut: since when (the coming gap's start, Unix ms) and why. */
  readonly cut: { readonly since: number; readonly reason: string } | null;
  /** Messages waiting in our event queue (AMQP), null where there is none. */
  readonly backlog: number | null;
}

export class IngestHealth {
  private eventsTotal = 0;
  private messagesTotal = 0;
  private malformedTotal = 0;
  private readonly samples: MalformedSample[] = [];
  private readonly custom = new Map<string, number>();
  private gapsTotal = 0;
  private lastGap: StreamGap | null = null;
  private cut: { since: number; reason: string } | null = null;
  backlog: number | null = null;
  /** Events per whole second, for the last RATE_WINDOW seconds (a ring indexed by second). */
  private readonly perSecond = new Float64Array(RATE_WINDOW);
  private readonly secondOf = new Float64Array(RATE_WINDOW);

  countMessage(events: number, nowMs: number): void {
    this.messagesTotal++;
    this.eventsTotal += events;
    const second = Math.floor(nowMs / 1000);
    const slot = second % RATE_WINDOW;
    if (this.secondOf[slot] !== second) {
      this.secondOf[slot] = second;
      this.perSecond[slot] = 0;
    }
    this.perSecond[slot] = (this.perSecond[slot] as number) + events;
  }

  countCustom(type: string): void {
    this.custom.set(type, (this.custom.get(type) ?? 0) + 1);
  }

  malformed(error: DecodeError, raw: string, nowMs: number): void {
    this.malformedTotal++;
    this.samples.push({ at: nowMs, error, raw: raw.slice(0, SAMPLE_CHARS) });
    if (this.samples.length > SAMPLES_KEPT) this.samples.shift();
  }

  interrupted(since: number, reason: string): void {
    this.cut = { since, reason };
  }

  gap(gap: StreamGap): void {
    this.gapsTotal++;
    this.lastGap = gap;
    this.cut = null;
  }

  snapshot(nowMs: number): IngestSnapshot {
    // The current second is still filling: average over the complete seconds before it.
    const now = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let i = 0; i < RATE_WINDOW; i++) {
      const second = this.secondOf[i] as number;
      if (second < now && second >= now - RATE_WINDOW + 1) sum += this.perSecond[i] as number;
    }
    return {
      eventsTotal: this.eventsTotal,
      eventsPerSecond: sum / (RATE_WINDOW - 1),
      messagesTotal: this.messagesTotal,
      malformedTotal: this.malformedTotal,
      malformedSamples: [...this.samples],
      customEventTypes: Object.fromEntries(this.custom),
      gapsTotal: this.gapsTotal,
      lastGap: this.lastGap,
      cut: this.cut,
      backlog: this.backlog,
    };
  }
}
