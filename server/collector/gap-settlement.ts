/**
 * After a gap in the event stream, the tasks that were in flight are settled from what outlives the
 * stream: the workers' own answers (`inspect active / reserved / scheduled`) and the result backend.
 * Without it, a task whose task-succeeded fell into the gap stays RECEIVED or STARTED for good, while the
 * backend says SUCCESS and Flower, which happened to be listening, shows it finished.
 *
 * It runs off the ingest path: a first pass soon after the stream is back (workers flush the events they
 * buffered first, which settle most tasks the ordinary way), then the tasks still in flight from the gap
 * are looked up every few seconds until they are ready. Backend reads go in batches, each with a
 * deadline, so a dead backend costs a log line.
 * Every state learnt this way goes through the collector as the event it stands for, so push and the
 * model's listeners see it, and the task keeps how it was learnt (TaskRecord.settled) for its page to show.
 */
import type { ResultBackend } from '@/lib/backend';
import type { StreamGap } from '@/lib/broker';
import { dateDoneSeconds, exceptionRepr, isJsonObject, type JsonObject, type JsonValue, READY_STATES, RESULT_REPR_MAXSIZE, saferepr, type TaskEvent, type TaskMeta, taskReprs } from '@/lib/celery';
import type { InspectedRequest, ScheduledRequest } from '@/lib/api/workers';
import { withDeadline } from '@/lib/runtime/deadline';
import type { Logger } from '@/lib/runtime/logger';
import type { InspectCache } from '../control/inspect-cache';
import type { TaskStore } from '../store/task-store';
import type { Settlement, TaskRecord } from '../state/task-record';

export interface SettlementSources {
  /** The model: read, and written through `settle` (whose listeners, such as push, see it). */
  readonly store: TaskStore;
  readonly backend: ResultBackend | null;
  readonly inspect: InspectCache | null;
  readonly log: Logger;
}

export interface SettlementOptions {
  /** When the first pass runs after the stream is back (workers flush their buffered events first). */
  readonly firstPassMs?: number;
  /** Then how often, and for how long, the tasks still in flight from the gap are looked up again. */
  readonly followUpEveryMs?: number;
  readonly followUpForMs?: number;
  readonly batchSize?: number;
  /** How long one batch of backend reads may take before the pass gives up. */
  readonly batchDeadlineMs?: number;
}

export interface SettlementReport {
  readonly checked: number;
  readonly fromBackend: number;
  readonly fromInspect: number;
  readonly error: string | null;
}

const FIRST_PASS_MS = 2_000;
const FOLLOW_UP_EVERY_MS = 5_000;
const FOLLOW_UP_FOR_MS = 10 * 60_000;
/** States an `inspect active` answer moves on to STARTED (a custom state such as PROGRESS is past it). */
const BEFORE_STARTED: ReadonlySet<string> = new Set(['PENDING', 'RECEIVED', 'RETRY']);
/** Seconds after a stored ready state by which its event should have come, when no gap explains its absence. */
const EVENTS_LATE_AFTER_S = 10;
const BATCH = 200;
const BATCH_DEADLINE_MS = 3_000;

export class GapSettlement {
  private readonly timers = new Set<NodeJS.Timeout>();
  private followUp: NodeJS.Timeout | null = null;
  private running: Promise<SettlementReport> | null = null;
  /** The last gap in the event stream, for states learnt on a read (settleStored). */
  private lastGap: StreamGap | null = null;
  /**
   * Tasks in flight when a gap ended, with that gap, watched until they are ready: their end may come
   * while their worker still cannot send events (a Celery worker reconnects to the broker on its own
   * schedule, often many seconds after Pollen), and then only the backend tells.
   */
  private readonly suspects = new Map<string, StreamGap>();
  /** Unix ms (our clock) until which suspects are looked up again. */
  private followUntil = 0;

  constructor(
    private readonly sources: SettlementSources,
    private readonly options: SettlementOptions = {},
  ) {}

  /** Takes every task in flight as a suspect of the gap that just ended, and schedules the passes. */
  afterGap(gap: StreamGap): void {
    this.lastGap = gap;
    for (const id of this.sources.store.notReadyTaskIds()) this.suspects.set(id, gap);
    this.followUntil = Date.now() + (this.options.followUpForMs ?? FOLLOW_UP_FOR_MS);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.settle(true).then((report) => {
        // The outage itself is logged by the collector; this line only when it changed a task or failed.
        const level = report.fromBackend + report.fromInspect > 0 || report.error !== null ? 'info' : 'debug';
        this.sources.log[level]({ ...report, gap }, 'settled tasks in flight after a gap in the event stream');
      });
    }, this.options.firstPassMs ?? FIRST_PASS_MS);
    timer.unref();
    this.timers.add(timer);
    if (this.followUp === null) {
      this.followUp = setInterval(() => this.followUpPass(), this.options.followUpEveryMs ?? FOLLOW_UP_EVERY_MS);
      this.followUp.unref();
    }
  }

  /** One pass over the suspects (and the workers' answers with `inspect`); joins one that runs. Never rejects. */
  settle(inspect: boolean): Promise<SettlementReport> {
    this.running ??= this.pass(inspect).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private followUpPass(): void {
    if (this.suspects.size === 0 || Date.now() > this.followUntil) {
      this.suspects.clear();
      if (this.followUp !== null) clearInterval(this.followUp);
      this.followUp = null;
      return;
    }
    void this.settle(false).then((report) => {
      if (report.fromBackend > 0 || report.error !== null) this.sources.log.info(report, 'settled tasks still in flight from a gap in the event stream');
    });
  }

  /**
   * A ready state the backend holds, read for a request, for a task the model still has in flight: the
   * model takes it at once, so the task page never says RECEIVED above "stored as SUCCESS". Returns
   * whether it did.
   */
  settleStored(meta: TaskMeta): boolean {
    const event = this.readyEvent(meta);
    if (event === null) return false;
    const task = this.sources.store.task(meta.taskId) as TaskRecord;
    const gap = this.lastGap !== null && task.timestamp * 1000 <= this.lastGap.to ? this.lastGap : null;
    // Without a gap, the events are only late: a prefork worker stores the result, then sends its task
    // events in batches. They are given a few seconds before the backend is taken at its word.
    if (gap === null && Date.now() / 1000 - event.timestamp < EVENTS_LATE_AFTER_S) return false;
    this.sources.store.settle(event, { source: 'result backend', at: Date.now() / 1000, gap: gap && inSeconds(gap) });
    return true;
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.followUp !== null) clearInterval(this.followUp);
    this.followUp = null;
  }

  private async pass(inspect: boolean): Promise<SettlementReport> {
    const at = () => Date.now() / 1000;
    let fromInspect = 0;
    let error: string | null = null;
    if (inspect) {
      try {
        const gap = this.lastGap;
        fromInspect = await this.fromWorkers(() => ({ source: 'inspect', at: at(), gap: gap && inSeconds(gap) }));
      } catch (err) {
        error = `inspect: ${errorText(err)}`;
      }
    }
    // Suspects that ended by their own events, or were evicted, need no look-up.
    const store = this.sources.store;
    for (const id of this.suspects.keys()) if (store.task(id)?.ready !== false) this.suspects.delete(id);
    const ids = [...this.suspects.keys()];
    let fromBackend = 0;
    try {
      fromBackend = await this.fromBackend(ids, (id) => {
        const gap = this.suspects.get(id);
        return { source: 'result backend', at: at(), gap: gap === undefined ? null : inSeconds(gap) };
      });
    } catch (err) {
      error = `${error ? `${error}; ` : ''}result backend: ${errorText(err)}`;
    }
    return { checked: ids.length, fromBackend, fromInspect, error };
  }

  /** Tasks the workers hold: running (active), prefetched (reserved) or waiting for their ETA (scheduled). */
  private async fromWorkers(settlement: () => Settlement): Promise<number> {
    const inspect = this.sources.inspect;
    if (inspect === null) return 0;
    const askedAt = Date.now();
    await inspect.refresh();
    let settled = 0;
    for (const worker of inspect.workers()) {
      const replies = inspect.snapshot(worker);
      const fresh = (reply: typeof replies.active) => (reply !== undefined && reply.at >= askedAt && Array.isArray(reply.value) ? (reply.value as unknown[]) : []);
      for (const request of fresh(replies.active)) if (this.held(worker, request as InspectedRequest, 'active', settlement)) settled++;
      for (const request of fresh(replies.reserved)) if (this.held(worker, request as InspectedRequest, 'reserved', settlement)) settled++;
      for (const entry of fresh(replies.scheduled)) {
        const request = (entry as ScheduledRequest | null)?.request;
        if (request) if (this.held(worker, request, 'reserved', settlement, (entry as ScheduledRequest).eta)) settled++;
      }
    }
    return settled;
  }

  /** Returns whether the model learnt something from one request a worker holds. */
  private held(worker: string, request: InspectedRequest, how: 'active' | 'reserved', settlement: () => Settlement, eta: string | null = null): boolean {
    if (typeof request?.id !== 'string' || request.id === '') return false;
    const task = this.sources.store.task(request.id);
    if (task?.ready) return false;
    const now = Date.now() / 1000;
    const base = { hostname: worker, utcoffset: 0, pid: null, clock: 0, extra: null, absentFields: null, known: true as const, uuid: request.id };
    let learnt = false;
    if (task === undefined || task.state === 'PENDING' || (task.lost && how === 'reserved')) {
      this.sources.store.settle({
        ...base, type: 'task-received', timestamp: now,
        name: typeof request.name === 'string' ? request.name : null,
        ...requestReprs(request),
        rootId: null, parentId: null, retries: null, eta, expires: null,
      }, settlement());
      learnt = true;
    }
    const current = this.sources.store.task(request.id) as TaskRecord;
    if (how === 'active' && (BEFORE_STARTED.has(current.state) || current.lost)) {
      this.sources.store.settle({ ...base, type: 'task-started', timestamp: Math.max(now, current.timestamp) }, settlement());
      learnt = true;
    }
    // Its end may come while its worker still cannot send events: look it up with the other suspects.
    if (learnt && this.lastGap !== null) this.suspects.set(request.id, this.lastGap);
    return learnt;
  }

  /** Ready states the backend holds for tasks the model has in flight. */
  private async fromBackend(ids: readonly string[], settlement: (id: string) => Settlement): Promise<number> {
    const backend = this.sources.backend;
    if (backend === null) return 0;
    const size = this.options.batchSize ?? BATCH;
    let settled = 0;
    for (let i = 0; i < ids.length; i += size) {
      const batch = ids.slice(i, i + size);
      const metas = await withDeadline(Promise.all(batch.map((id) => backend.get(id))), this.options.batchDeadlineMs ?? BATCH_DEADLINE_MS, 'the result backend');
      for (const meta of metas) {
        const event = meta && this.readyEvent(meta);
        if (event) {
          this.sources.store.settle(event, settlement(event.uuid));
          this.suspects.delete(event.uuid);
          settled++;
        }
      }
      // Off the ingest path: let events in between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return settled;
  }

  /** The event a ready meta stands for, when the model does not know it yet. */
  private readyEvent(meta: TaskMeta): TaskEvent | null {
    if (!READY_STATES.has(meta.status)) return null;
    const task = this.sources.store.task(meta.taskId);
    if (task === undefined || task.ready) return null;
    const timestamp = Math.max(dateDoneSeconds(meta.dateDone) ?? Date.now() / 1000, task.timestamp);
    const base = { hostname: meta.worker ?? task.worker ?? '', timestamp, utcoffset: 0, pid: null, clock: 0, extra: null, absentFields: null, known: true as const, uuid: meta.taskId };
    if (meta.status === 'SUCCESS') return { ...base, type: 'task-succeeded', result: saferepr(meta.result, { maxlen: RESULT_REPR_MAXSIZE }), runtime: null };
    if (meta.status === 'FAILURE') return { ...base, type: 'task-failed', exception: meta.exception ? exceptionRepr(meta.exception) : null, traceback: meta.traceback };
    return { ...base, type: 'task-revoked', terminated: false, signum: null, expired: false };
  }
}

function inSeconds(gap: StreamGap): Settlement['gap'] {
  return { from: gap.from / 1000, to: gap.to / 1000, reason: gap.reason };
}

/**
 * The reprs a task-received would carry. Celery 5 answers inspect with args as a list and kwargs as a
 * dict, reprs made by Celery's own rule (taskReprs); older workers answer with the reprs themselves.
 */
function requestReprs(request: InspectedRequest): { args: string | null; kwargs: string | null } {
  const { args, kwargs } = request;
  const reprs = taskReprs({
    args: Array.isArray(args) ? (args as JsonValue[]) : [],
    kwargs: isJsonObject(kwargs as JsonValue) ? (kwargs as JsonObject) : {},
    argsrepr: typeof args === 'string' ? args : null,
    kwargsrepr: typeof kwargs === 'string' ? kwargs : null,
  });
  return { args: args == null ? null : reprs.argsrepr, kwargs: kwargs == null ? null : reprs.kwargsrepr };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
