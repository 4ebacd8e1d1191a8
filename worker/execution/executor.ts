/**
 * Runs an accepted request to its end as Celery's trace does: ack (unless acks-late), task-started,
 * STARTED, the run, then the outcome — result stored, event sent, follow-ups applied — and the ack.
 */
import type { Logger } from 'pino';
import { newTaskMessage, type JsonValue, RESULT_REPR_MAXSIZE, saferepr, TaskState } from '@/lib/celery';
import { createTaskContext } from '../task/task-context';
import { backoffCountdown } from '../task/task-options';
import { exceptionInfo, exceptionRepr, formatTraceback, MaxRetriesExceededError, TaskRevokedError } from '../task/task-errors';
import { completeChord } from '../canvas/chord-body';
import { applyFollowUps, failFollowUps } from '../canvas/follow-ups';
import { type Producer, publishTask } from '../canvas/producer';
import type { EventDispatcher } from '../events/event-dispatcher';
import type { Request } from './request';
import { type Outcome, runTask } from './run-task';
import { taskMeta } from './task-meta';

export interface ExecutorDeps {
  readonly hostname: string;
  readonly producer: Producer;
  readonly events: EventDispatcher;
  readonly resultExtended: boolean;
  readonly log: Logger;
}

export class Executor {
  constructor(private readonly deps: ExecutorDeps) {}

  async execute(request: Request): Promise<void> {
    const { events, producer } = this.deps;
    const opts = request.task.options;
    // Celery checks again when the pool takes the task: it may have expired while it waited.
    if (request.isExpired()) {
      await this.revoked(request, 'expired');
      return;
    }
    if (!request.acksLate) await request.ack().catch((err: unknown) => this.warn(request, 'ack failed', err));
    request.timeStart = Date.now() / 1000;
    events.task('task-started', request.id);
    if (opts.trackStarted && !this.ignoresResult(request)) {
      await this.store(request, TaskState.Started, { result: { pid: process.pid, hostname: this.deps.hostname } });
    }
    const ctx = createTaskContext({
      base: {
        id: request.id,
        name: request.name,
        args: request.message.args,
        kwargs: request.message.kwargs,
        retries: request.message.retries,
        hostname: this.deps.hostname,
        rootId: request.message.rootId,
        parentId: request.message.parentId,
        groupId: request.message.group,
        queue: request.delivery.queue,
        eta: request.message.eta,
        expires: request.message.expires,
        signal: request.abort.signal,
      },
      defaultCountdown: () => backoffCountdown(opts, request.message.retries),
      storeState: (state, meta) => (producer.backend ? this.store(request, state, { result: meta }) : Promise.resolve()),
    });
    const timeLimit = request.message.timeLimit;
    const outcome = await runTask(request, ctx, { soft: timeLimit.soft ?? opts.softTimeLimit, hard: timeLimit.hard ?? opts.timeLimit });
    request.settled = true;
    try {
      await this.finish(request, outcome);
    } catch (err) {
      this.warn(request, 'could not record the outcome', err);
    }
  }

  private async finish(request: Request, outcome: Outcome): Promise<void> {
    const { events } = this.deps;
    switch (outcome.kind) {
      case 'success': {
        const children = await applyFollowUps(this.deps.producer, request, outcome.value).catch((err: unknown) => {
          this.warn(request, 'a callback or chain step could not be sent', err);
          return [] as string[];
        });
        if (!this.ignoresResult(request)) await this.store(request, TaskState.Success, { result: outcome.value, children });
        await this.chordPart(request, TaskState.Success, outcome.value);
        events.task('task-succeeded', request.id, { result: saferepr(outcome.value, { maxlen: RESULT_REPR_MAXSIZE }), runtime: outcome.runtime });
        await request.ack();
        return;
      }
      case 'failure':
        await this.fail(request, outcome.error);
        return;
      case 'retry':
        await this.retry(request, outcome.retry.countdown, outcome.retry.exc);
        return;
      case 'reject':
        await request.reject(outcome.reject.requeue);
        events.task('task-rejected', request.id, { requeue: outcome.reject.requeue });
        return;
      case 'terminated':
        await this.revoked(request, 'terminated', outcome.signum);
        return;
      case 'abandoned':
        // The worker is stopping: the message goes back (acks-late) or is lost with the run, as in Celery.
        return;
    }
  }

  async fail(request: Request, error: unknown): Promise<void> {
    const traceback = formatTraceback(error);
    const exception = exceptionInfo(error);
    if (!this.ignoresResult(request)) await this.store(request, TaskState.Failure, { exception, traceback });
    await this.chordPart(request, TaskState.Failure, null, exception);
    this.deps.events.task('task-failed', request.id, { exception: exceptionRepr(error), traceback });
    await failFollowUps(this.deps.producer, request).catch((err: unknown) => this.warn(request, 'an errback could not be sent', err));
    await request.ack();
  }

  /** A revoked task (terminated while running, or revoked/expired before it ran): REVOKED and task-revoked. */
  async revoked(request: Request, reason: 'revoked' | 'terminated' | 'expired', signum: number | null = null): Promise<void> {
    const error = new TaskRevokedError(reason, signum);
    if (!this.ignoresResult(request)) await this.store(request, TaskState.Revoked, { exception: exceptionInfo(error) });
    await this.chordPart(request, TaskState.Revoked, null, exceptionInfo(error));
    this.deps.events.task('task-revoked', request.id, { terminated: reason === 'terminated', signum, expired: reason === 'expired' });
    await request.ack();
  }

  private async retry(request: Request, countdown: number, cause: unknown): Promise<void> {
    const m = request.message;
    const max = request.task.options.maxRetries;
    if (max !== null && m.retries >= max) {
      await this.fail(request, cause ?? new MaxRetriesExceededError(m.name, m.id, m.retries));
      return;
    }
    const eta = new Date(Date.now() + countdown * 1000).toISOString().replace('Z', '+00:00');
    const again = newTaskMessage({ ...m, retries: m.retries + 1, eta, origin: this.deps.hostname }, 2);
    await publishTask(this.deps.producer, again, request.delivery.queue);
    const reason = cause ?? new Error(`Retry in ${countdown}s`);
    const traceback = formatTraceback(reason);
    if (!this.ignoresResult(request)) {
      await this.store(request, TaskState.Retry, { exception: exceptionInfo(reason), traceback, children: [m.id] });
    }
    this.deps.events.task('task-retried', request.id, { exception: exceptionRepr(reason), traceback });
    await request.ack();
  }

  private async chordPart(request: Request, state: string, result: JsonValue, exception?: ReturnType<typeof exceptionInfo>): Promise<void> {
    const { backend } = this.deps.producer;
    const m = request.message;
    if (!backend || !m.chord || m.group === null) return;
    const join = await backend.chordPartReturn({
      groupId: m.group,
      // Celery scores a part without an index +inf: it sorts last.
      groupIndex: m.groupIndex ?? Infinity,
      taskId: m.id,
      state,
      result: exception ? { exc_type: exception.type, exc_message: exception.message, exc_module: exception.module } : result,
    });
    if (join) await completeChord(this.deps.producer, request, join);
  }

  private ignoresResult(request: Request): boolean {
    return request.task.options.ignoreResult || request.message.ignoreResult || this.deps.producer.backend === null;
  }

  private async store(request: Request, status: string, parts: Parameters<typeof taskMeta>[2]): Promise<void> {
    const backend = this.deps.producer.backend;
    if (!backend) return;
    await backend.store(taskMeta(request, status, parts, this.deps.resultExtended)).catch((err: unknown) => this.warn(request, `could not store ${status}`, err));
  }

  private warn(request: Request, what: string, err: unknown): void {
    this.deps.log.warn({ task: request.name, id: request.id, err: err instanceof Error ? err.message : String(err) }, what);
  }
}
