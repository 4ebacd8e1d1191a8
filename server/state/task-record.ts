/**
 * One task as Pollen knows it, merged from its events the way Celery's own monitor (celery.events.state)
 * merges them:
 *
 *   PENDING (task-sent) ─▶ RECEIVED ─▶ STARTED ─▶ SUCCESS | FAILURE | REJECTED
 *                              ▲            └──▶ RETRY ─▶ RECEIVED (same id, retries + 1)
 *   any ─▶ REVOKED            custom events `task-<name>` set the custom state <NAME>
 *
 * Events can arrive late, twice, or out of order (two workers, batching, a retry racing its own
 * received). Each state has a precedence; an event whose state logically happens before the current one
 * only fills in fields (a late task-started never overwrites SUCCESS; a late task-received only adds
 * name, args, ...). RETRY is ordered by timestamp instead, because a retried task starts over.
 */
import { FINISHED_STATES } from '@/lib/api/task-states';
import type { CustomEvent, JsonObject, TaskEvent } from '@/lib/celery';
import { implausibleSkew } from './clock-skew';

/**
 * Celery's celery.states.PRECEDENCE (lower index wins; custom states sit where `null` is), except that
 * REJECTED ranks above STARTED: Celery's order would leave a rejected task (always STARTED first) showing
 * STARTED for ever. A rejection with requeue=true is not final; see takesState.
 */
const PRECEDENCE = ['SUCCESS', 'FAILURE', null, 'REVOKED', 'REJECTED', 'STARTED', 'RECEIVED', 'RETRY', 'PENDING'] as const;
const CUSTOM_PRECEDENCE = PRECEDENCE.indexOf(null);

function precedence(state: string): number {
  const index = (PRECEDENCE as readonly (string | null)[]).indexOf(state);
  return index === -1 ? CUSTOM_PRECEDENCE : index;
}

const EVENT_STATE: Readonly<Record<string, string>> = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-succeeded': 'SUCCESS',
  'task-failed': 'FAILURE',
  'task-retried': 'RETRY',
  'task-revoked': 'REVOKED',
  'task-rejected': 'REJECTED',
};

/** The state an event type stands for (a custom `task-<name>` event: `<NAME>`). */
export function eventState(type: string): string {
  return EVENT_STATE[type] ?? type.slice(type.indexOf('-') + 1).toUpperCase();
}

export interface RetryAttempt {
  /** Which attempt failed: 0 for the first run, 1 for the first retry, ... */
  readonly retries: number;
  /** Sender timestamp of the task-retried event. */
  readonly timestamp: number;
  readonly exception: string | null;
  readonly traceback: string | null;
  readonly worker: string | null;
}

/**
 * How a task's state was learnt when its events were missed: after a gap in the event stream, from the
 * result backend or from the workers' answers to inspect.
 */
export interface Settlement {
  readonly source: 'result backend' | 'inspect';
  /** Unix seconds. */
  readonly at: number;
  /** The gap in the event stream (Unix seconds) that the task's events may have fallen into. */
  readonly gap: { readonly from: number; readonly to: number; readonly reason: string } | null;
}

export class TaskRecord {
  name: string | null = null;
  state = 'PENDING';
  /** Sender timestamp and Lamport clock of the event that set `state`. */
  timestamp = 0;
  clock = 0;
  /** saferepr text, as events carry them. */
  args: string | null = null;
  kwargs: string | null = null;
  result: string | null = null;
  exception: string | null = null;
  traceback: string | null = null;
  runtime: number | null = null;
  /** Node name of the worker that received or ran it. */
  worker: string | null = null;
  /** Node name that sent it (a worker or `gen<pid>@host`), from task-sent. */
  sender: string | null = null;
  rootId: string | null = null;
  parentId: string | null = null;
  retries = 0;
  eta: string | null = null;
  expires: string | null = null;
  queue: string | null = null;
  exchange: string | null = null;
  routingKey: string | null = null;
  // When each event happened (sender timestamps, Unix seconds).
  sent: number | null = null;
  received: number | null = null;
  started: number | null = null;
  succeeded: number | null = null;
  failed: number | null = null;
  retried: number | null = null;
  revoked: number | null = null;
  rejected: number | null = null;
  /** task-revoked details. */
  terminated = false;
  signum: number | null = null;
  expired = false;
  requeue = false;
  /** Its worker went offline while it was RECEIVED or STARTED; cleared by any later event. */
  lost = false;
  retryHistory: RetryAttempt[] | null = null;
  /** Set when the state was learnt without its event; cleared when that event arrives after all (ClusterState). */
  settled: Settlement | null = null;
  /** Fields of custom events and fields newer Celery adds, as sent. */
  extra: JsonObject | null = null;
  /**
   * Seconds a sender's clock was off from ours (its event's timestamp minus our receive time), once an
   * event came implausibly far from now (clock-skew.ts); null while every event was plausible.
   */
  clockSkew: number | null = null;
  /** Our receive time (Unix seconds) of the latest event about this task; what a suspect task sorts by. */
  lastReceivedAt = 0;

  /**
   * Its arrival number, given by the model when the task entered (an evicted task that comes back is a
   * new record with a new number): unique and increasing, what cursors and arrival orders use. Negated
   * when the task is evicted, so the model's arrival lists tell held tasks without a lookup.
   */
  seq = 0;

  /** Where the model's per-slot arrays (task-slots.ts) hold its scan data while it is held. */
  slot = 0;

  constructor(readonly uuid: string) {}

  get ready(): boolean {
    return FINISHED_STATES.has(this.state);
  }

  /** Notes when we received an event about this task, and flags a sender clock that cannot be right. */
  noteReceipt(timestamp: number, localReceived: number): void {
    if (localReceived > this.lastReceivedAt) this.lastReceivedAt = localReceived;
    const skew = implausibleSkew(timestamp, localReceived);
    if (skew !== null) this.clockSkew = skew;
  }

  /** Applies one event; returns whether `state` changed. */
  apply(event: TaskEvent | CustomEvent): boolean {
    const type = event.type;
    const state = eventState(type);
    this.stamp(type, event.timestamp);
    this.lost = false;

    const takesState = this.takesState(state, event.timestamp);
    if (event.known && event.type === 'task-received' && !takesState) {
      // Celery's merge rule for a late task-received: only the fields describing the task.
      this.mergeDescription(event);
      return false;
    }
    this.mergeFields(event);
    const changed = takesState && state !== this.state;
    if (takesState) {
      this.state = state;
      this.timestamp = event.timestamp;
      this.clock = event.clock;
    }
    this.keepOwnFailure();
    return changed;
  }

  /**
   * `exception` and `traceback` are the failure the task is in: FAILURE, or the RETRY it waits in. Celery's
   * events leave a retried attempt's exception on the task while a later attempt runs and after it
   * succeeds; that failure is the attempt's, kept in retryHistory, never the task's own.
   */
  private keepOwnFailure(): void {
    if (this.state !== 'FAILURE' && this.state !== 'RETRY') {
      this.exception = null;
      this.traceback = null;
    }
  }

  /**
   * Whether an event's state replaces the current one. Celery's precedence, with two refinements that
   * use the sender timestamp: RETRY (which Celery lets override anything, since a retried task starts
   * over) only wins when it is newer, and only newer events end a RETRY; within one state, the newest
   * event sets the timestamp.
   */
  private takesState(state: string, timestamp: number): boolean {
    const newer = timestamp >= this.timestamp;
    if (state === 'RETRY' || this.state === 'RETRY') return newer;
    // Requeued by its rejection: the redelivery starts over, like a retry.
    if (this.state === 'REJECTED' && this.requeue) return newer;
    const incoming = precedence(state);
    const current = precedence(this.state);
    return incoming < current || (incoming === current && newer);
  }

  private stamp(type: string, timestamp: number): void {
    switch (type) {
      case 'task-sent': this.sent = timestamp; break;
      case 'task-received':
        // Each retry (same id) is received again: the stamps are the newest attempt's, so a late copy of an
        // earlier receipt changes nothing, and a start before this receipt was an earlier attempt's (its
        // retry history stands for it): the row and the page never show Started before Received.
        if (this.received !== null && timestamp <= this.received) break;
        this.received = timestamp;
        if (this.started !== null && this.started < timestamp) this.started = null;
        break;
      case 'task-started':
        if ((this.received === null || timestamp >= this.received) && (this.started === null || timestamp > this.started)) this.started = timestamp;
        break;
      case 'task-succeeded': this.succeeded = timestamp; break;
      case 'task-failed': this.failed = timestamp; break;
      case 'task-retried': this.retried = timestamp; break;
      case 'task-revoked': this.revoked = timestamp; break;
      case 'task-rejected': this.rejected = timestamp; break;
      default: break;
    }
  }

  private mergeDescription(e: { name: string | null; args: string | null; kwargs: string | null; rootId: string | null; parentId: string | null; retries: number | null; eta: string | null; expires: string | null }): void {
    if (e.name !== null) this.name = e.name;
    if (e.args !== null) this.args = e.args;
    if (e.kwargs !== null) this.kwargs = e.kwargs;
    if (e.rootId !== null) this.rootId = e.rootId;
    // Celery's retry sends the task again from inside itself, so the retry's message names the task as its
    // own parent: the parent that sent it first (a chain's previous step, a caller) is the one to keep.
    // The same id in another event is not taken: the string held is the one the link index keys by.
    if (e.parentId !== null && e.parentId !== this.uuid && e.parentId !== this.parentId) this.parentId = e.parentId;
    if (e.retries !== null) this.retries = Math.max(this.retries, e.retries);
    if (e.eta !== null) this.eta = e.eta;
    if (e.expires !== null) this.expires = e.expires;
  }

  /** A settled state (GapSettlement) may not know the worker (no result_extended): it keeps the one known. */
  private mergeFields(event: TaskEvent | CustomEvent): void {
    if (event.extra) this.extra = { ...this.extra, ...event.extra };
    if (!event.known) return;
    switch (event.type) {
      case 'task-sent':
        this.mergeDescription(event);
        this.sender = event.hostname;
        this.queue = event.queue ?? this.queue;
        this.exchange = event.exchange ?? this.exchange;
        this.routingKey = event.routingKey ?? this.routingKey;
        break;
      case 'task-received':
        this.mergeDescription(event);
        this.worker = event.hostname || this.worker;
        break;
      case 'task-started':
        this.worker = event.hostname || this.worker;
        break;
      case 'task-succeeded':
        this.worker = event.hostname || this.worker;
        this.result = event.result;
        this.runtime = event.runtime;
        break;
      case 'task-failed':
        this.worker = event.hostname || this.worker;
        this.exception = event.exception;
        this.traceback = event.traceback;
        break;
      case 'task-retried': {
        this.worker = event.hostname || this.worker;
        this.exception = event.exception;
        this.traceback = event.traceback;
        const history = (this.retryHistory ??= []);
        // The same task-retried delivered twice is one attempt. Attempts are kept in time order and
        // numbered by it: the producer's task-sent for the next attempt often arrives first.
        if (history.some((a) => a.timestamp === event.timestamp)) break;
        let at = history.length;
        while (at > 0 && (history[at - 1] as RetryAttempt).timestamp > event.timestamp) at--;
        history.splice(at, 0, { retries: at, timestamp: event.timestamp, exception: event.exception, traceback: event.traceback, worker: event.hostname });
        for (let i = at + 1; i < history.length; i++) history[i] = { ...(history[i] as RetryAttempt), retries: i };
        break;
      }
      case 'task-rejected':
        this.worker = event.hostname || this.worker;
        this.requeue = event.requeue;
        break;
      case 'task-revoked':
        this.terminated = event.terminated;
        this.signum = event.signum;
        this.expired = event.expired;
        break;
      case 'task-cancelled':
        this.worker = event.hostname || this.worker;
        break;
      default: {
        const unreachable: never = event;
        void unreachable;
      }
    }
  }
}
