/**
 * One worker as Pollen knows it, from its worker-* events and the task events it sends.
 *
 * Liveness is Celery's rule (celery.events.state): a worker is online while
 * now < last heartbeat (our receive time) + freq × 2. worker-offline ends it at once; a SIGKILLed worker
 * sends nothing and expires. Times are our own receive times (`localReceived`), so a worker whose clock
 * is wrong or in another time zone is judged correctly; the skew is kept for display.
 */
import type { JsonObject, WorkerEvent } from '@/lib/celery';

/** Celery's HEARTBEAT_EXPIRE_WINDOW: 200 % of the heartbeat interval. */
const EXPIRE_WINDOW = 2;
/** Celery keeps the last 4 receive times. */
const HEARTBEATS_KEPT = 4;
/** Celery assumes 60 s until a worker says otherwise. */
const DEFAULT_FREQ = 60;

export class WorkerRecord {
  pid: number | null = null;
  freq = DEFAULT_FREQ;
  active: number | null = null;
  processed: number | null = null;
  loadavg: readonly number[] | null = null;
  swIdent: string | null = null;
  swVer: string | null = null;
  swSys: string | null = null;
  /** The worker's -utcoffset in hours, as it sent it. */
  utcoffset = 0;
  /** Our receive times (Unix seconds) of its last heartbeats, oldest first; empty once offline. */
  heartbeats: number[] = [];
  /** Last event's sender timestamp and our receive time: their difference is the clock skew. */
  lastTimestamp = 0;
  lastReceived = 0;
  firstSeen: number;
  /** When we learnt it went offline (worker-offline or expiry), null while online. */
  offlineSince: number | null = null;
  extra: JsonObject | null = null;

  constructor(
    readonly hostname: string,
    now: number,
  ) {
    this.firstSeen = now;
  }

  /** Seconds the worker's clock is ahead of ours (negative: behind). */
  get clockSkew(): number {
    return this.lastTimestamp - this.lastReceived;
  }

  alive(now: number): boolean {
    const last = this.heartbeats[this.heartbeats.length - 1];
    return last !== undefined && now < last + this.freq * EXPIRE_WINDOW;
  }

  /** When the worker will be considered offline without a new heartbeat (Unix seconds), or null. */
  expiresAt(): number | null {
    const last = this.heartbeats[this.heartbeats.length - 1];
    return last === undefined ? null : last + this.freq * EXPIRE_WINDOW;
  }

  applyWorkerEvent(event: WorkerEvent, localReceived: number): void {
    // A heartbeat answering the `heartbeat` command carries no counters: keep the ones we have.
    if (event.pid !== null) this.pid = event.pid;
    if (event.freq !== null) this.freq = event.freq;
    if (event.active !== null) this.active = event.active;
    if (event.processed !== null) this.processed = event.processed;
    if (event.loadavg !== null) this.loadavg = event.loadavg;
    this.swIdent = event.swIdent ?? this.swIdent;
    this.swVer = event.swVer ?? this.swVer;
    this.swSys = event.swSys ?? this.swSys;
    this.utcoffset = event.utcoffset;
    if (event.extra) this.extra = { ...this.extra, ...event.extra };
    if (event.type === 'worker-offline') {
      this.heartbeats = [];
      this.offlineSince = localReceived;
      this.seen(event.timestamp, localReceived);
      return;
    }
    this.heartbeat(event.timestamp, localReceived);
  }

  /** Any event from the worker (task events too) proves it alive. */
  heartbeat(timestamp: number, localReceived: number): void {
    this.seen(timestamp, localReceived);
    const beats = this.heartbeats;
    if (beats.length >= HEARTBEATS_KEPT) beats.shift();
    // Receive times only go forward, but keep the list sorted should two arrive out of order.
    let i = beats.length;
    while (i > 0 && (beats[i - 1] as number) > localReceived) i--;
    beats.splice(i, 0, localReceived);
    this.offlineSince = null;
  }

  private seen(timestamp: number, localReceived: number): void {
    this.lastTimestamp = timestamp;
    this.lastReceived = localReceived;
  }
}
