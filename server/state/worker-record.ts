/**
 * One worker as Pollen knows it, from its worker-* events and the task events it sends.
 *
 * Liveness is Celery's rule (celery.events.state): a worker is online while
 * now < last heartbeat (our receive time) + freq × 2. worker-offline ends it at once; a SIGKILLed worker
 * sends nothing and expires. Times are our own receive times (`localReceived`), so a worker whose clock
 * is wrong or in another time zone is judged correctly; the skew is kept for display.
 *
 * Silence only counts while Pollen can hear (see Hearing): while the event stream is cut, a worker that
 * was alive stays so, its liveness unknown, and its heartbeat window starts again when the stream is back.
 */
import type { JsonObject, WorkerEvent } from '@/lib/celery';
import type { WorkerStatus } from '@/lib/push/contract';

/** Celery's HEARTBEAT_EXPIRE_WINDOW: 200 % of the heartbeat interval. */
const EXPIRE_WINDOW = 2;
/** Seconds: the longest a worker is given, beyond its window, to reach the broker again after an outage. */
const RECONNECT_GRACE_MAX = 30;
/** Celery keeps the last 4 receive times. */
const HEARTBEATS_KEPT = 4;
/** Celery assumes 60 s until a worker says otherwise. */
const DEFAULT_FREQ = 60;

/**
 * When Pollen could hear the event stream, shared by every worker of a model: the current interruption,
 * when the last one ended, and up to when the stream is confirmed whole. Times are Unix seconds.
 */
export class Hearing {
  /** Since when the stream is cut (its gap's start), null while listening. */
  cutSince: number | null = null;
  /** When the last interruption ended. */
  listeningSince = -Infinity;
  /**
   * Up to when the stream is known whole: every event published before it has reached Pollen (the
   * transport's own probe came back). Silence after it proves nothing yet. Infinity where nothing
   * confirms (a model fed by hand).
   */
  confirmedUntil = Infinity;

  /** The stream is confirmed whole up to `until`; the first call starts the confirming. */
  heard(until: number): void {
    this.confirmedUntil = this.confirmedUntil === Infinity ? until : Math.max(this.confirmedUntil, until);
  }

  interrupted(since: number): void {
    this.cutSince ??= since;
  }

  resumed(at: number): void {
    if (this.cutSince === null) return;
    this.listeningSince = at;
    this.cutSince = null;
  }
}

const ALWAYS_LISTENING = new Hearing();

export interface TaskEventCounts {
  succeeded: number;
  failed: number;
  retried: number;
}

/** The task events a worker's counters count, by event type. */
const COUNTED: Readonly<Record<string, keyof TaskEventCounts>> = { 'task-succeeded': 'succeeded', 'task-failed': 'failed', 'task-retried': 'retried' };

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
  /** Set when the event stream came back without a word from it yet (resumeGrace); Unix seconds. */
  private graceUntil: number | null = null;
  /** When we learnt it went offline (worker-offline or expiry), null while online. */
  offlineSince: number | null = null;
  extra: JsonObject | null = null;
  /**
   * Flower's per-worker counters: task-succeeded, task-failed and task-retried events it sent since Pollen
   * started, every one heard (as Flower counts), so they outlive the tasks evicted from memory.
   */
  readonly taskEvents: TaskEventCounts = { succeeded: 0, failed: 0, retried: 0 };

  constructor(
    readonly hostname: string,
    now: number,
    private readonly hearing: Hearing = ALWAYS_LISTENING,
  ) {
    this.firstSeen = now;
  }

  /** Seconds the worker's clock is ahead of ours (negative: behind). */
  get clockSkew(): number {
    return this.lastTimestamp - this.lastReceived;
  }

  /** Alive, or silent only where Pollen could not yet confirm that it heard (see `status`). */
  alive(now: number): boolean {
    const expires = this.expiresAt();
    return expires !== null && (now < expires || expires > this.hearing.confirmedUntil);
  }

  status(now: number): WorkerStatus {
    if (!this.alive(now)) return 'offline';
    const last = this.heartbeats[this.heartbeats.length - 1] as number;
    const { cutSince, listeningSince } = this.hearing;
    return cutSince !== null || last < listeningSince || now >= (this.expiresAt() as number) ? 'unknown' : 'online';
  }

  /**
   * When the worker will be considered offline without a new heartbeat (Unix seconds): null when it has
   * none, Infinity while the stream is cut (only a heartbeat missed while Pollen listened counts).
   */
  expiresAt(): number | null {
    const last = this.heartbeats[this.heartbeats.length - 1];
    if (last === undefined) return null;
    const expires = this.graceUntil ?? last + this.freq * EXPIRE_WINDOW;
    // Alive when the current cut began: only a heartbeat missed while Pollen listened counts.
    const cut = this.hearing.cutSince;
    return cut !== null && expires > cut ? Infinity : expires;
  }

  /**
   * The stream is back at `at` after a cut from `cutFrom` (Unix seconds): a worker that was alive when it
   * began gets its window again from `at`, plus time to reach the broker again, since it lost the broker
   * too and retries on its own schedule (kombu backs off up to 30 s). Its next heartbeat ends the grace.
   */
  resumeGrace(at: number, cutFrom: number): void {
    if (this.expiresAt() !== Infinity) return;
    this.graceUntil = at + this.freq * EXPIRE_WINDOW + Math.min(at - cutFrom, RECONNECT_GRACE_MAX);
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
      this.graceUntil = null;
      this.offlineSince = localReceived;
      this.seen(event.timestamp, localReceived);
      return;
    }
    this.heartbeat(event.timestamp, localReceived);
  }

  /** One task event the worker sent: counted when it is one of Flower's counters. */
  countTaskEvent(type: string): void {
    const counter = COUNTED[type];
    if (counter !== undefined) this.taskEvents[counter]++;
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
    this.graceUntil = null;
  }

  private seen(timestamp: number, localReceived: number): void {
    this.lastTimestamp = timestamp;
    this.lastReceived = localReceived;
  }
}
