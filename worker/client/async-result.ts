/**
 * Handles on results, as Celery's `AsyncResult` and `GroupResult`: read the state the worker stored, wait
 * for a ready state (through the backend's pub/sub, as Celery's Redis backend does), revoke, forget.
 * A task with nothing stored is PENDING. A wait that runs out throws the backend's ResultTimeoutError.
 */
import type { ResultBackend } from '@/lib/backend';
import { type ControlReply, type JsonValue, READY_STATES, type TaskMeta, TaskState } from '@/lib/celery';
import type { PidboxClient } from '@/lib/control';
import { RemoteTaskError } from './remote-error';

/** What a result handle needs from its client. */
export interface ResultContext {
  readonly backend: ResultBackend | null;
  readonly control: PidboxClient;
}

export interface GetOptions {
  /** Milliseconds to wait for a ready state; default: no limit (as Celery's `timeout=None`). */
  readonly timeout?: number;
  /** Throw a RemoteTaskError for FAILURE/REVOKED (default); false returns the error instead. */
  readonly propagate?: boolean;
}

/** A member's outcome with `propagate: false`: its value, or the error it ended with (nested groups give lists). */
export type Outcome = JsonValue | RemoteTaskError | Outcome[];

export interface RevokeOptions {
  /** Also stop the task if it is running (Python workers kill the process with `signal`). */
  readonly terminate?: boolean;
  /** e.g. `SIGKILL`; null lets the worker use SIGTERM. */
  readonly signal?: string | null;
  /** Wait for the workers' replies (Celery's `wait=True`) for `timeout` ms; by default a cast. */
  readonly wait?: boolean;
  readonly timeout?: number;
}

/** setTimeout's largest delay: "no limit" in practice (24.8 days). */
const NO_LIMIT_MS = 2_147_483_647;

function backendOf(ctx: ResultContext): ResultBackend {
  if (!ctx.backend) throw new Error('results are disabled: the client has no result backend (resultBackend option)');
  return ctx.backend;
}

function revoke(ctx: ResultContext, ids: string | string[], options: RevokeOptions): Promise<ControlReply[]> {
  const args = { task_id: ids, terminate: options.terminate ?? false, signal: options.signal ?? null };
  return ctx.control.broadcast('revoke', args, { reply: options.wait ?? false, ...(options.timeout !== undefined && { timeout: options.timeout }) });
}

function timeoutOf(options: GetOptions): number {
  const timeout = options.timeout;
  if (timeout === undefined) return NO_LIMIT_MS;
  if (!(timeout >= 0)) throw new RangeError(`timeout must be >= 0 ms, got ${timeout}`);
  return Math.min(timeout, NO_LIMIT_MS);
}

export class AsyncResult {
  constructor(
    readonly id: string,
    private readonly ctx: ResultContext,
  ) {}

  /** The stored meta, or null while PENDING (nothing stored). */
  meta(): Promise<TaskMeta | null> {
    return backendOf(this.ctx).get(this.id);
  }

  async state(): Promise<string> {
    return (await this.meta())?.status ?? TaskState.Pending;
  }

  /**
   * Celery's `.info`/`.result` as stored: the return value (SUCCESS), the exception object
   * `{exc_type, exc_message, exc_module}` (FAILURE, RETRY, REVOKED), a custom state's meta; null when PENDING.
   */
  async info(): Promise<JsonValue> {
    return (await this.meta())?.result ?? null;
  }

  async traceback(): Promise<string | null> {
    return (await this.meta())?.traceback ?? null;
  }

  async ready(): Promise<boolean> {
    return READY_STATES.has(await this.state());
  }

  async successful(): Promise<boolean> {
    return (await this.state()) === TaskState.Success;
  }

  async failed(): Promise<boolean> {
    return (await this.state()) === TaskState.Failure;
  }

  /** Waits for the task to be ready; its value on SUCCESS, a RemoteTaskError on FAILURE and REVOKED. */
  get<T = JsonValue>(options?: GetOptions & { readonly propagate?: true }): Promise<T>;
  get<T = JsonValue>(options: GetOptions & { readonly propagate: false }): Promise<T | RemoteTaskError>;
  get<T = JsonValue>(options?: GetOptions): Promise<T | RemoteTaskError>;
  async get<T = JsonValue>(options: GetOptions = {}): Promise<T | RemoteTaskError> {
    const meta = await backendOf(this.ctx).waitForReady(this.id, timeoutOf(options));
    return settle<T>(meta, options.propagate ?? true);
  }

  /** Asks every worker to discard (or with `terminate`, stop) this task (Celery's `AsyncResult.revoke`). */
  revoke(options: RevokeOptions = {}): Promise<ControlReply[]> {
    return revoke(this.ctx, this.id, options);
  }

  /** Deletes the stored result. */
  forget(): Promise<void> {
    return backendOf(this.ctx).forget(this.id);
  }

  toString(): string {
    return this.id;
  }
}

/** The members' results of a group, in order (nested groups, e.g. a member chain ending in a group, stay nested). */
export class GroupResult {
  constructor(
    readonly id: string,
    readonly results: readonly (AsyncResult | GroupResult)[],
    private readonly ctx: ResultContext,
  ) {}

  /** The members' ids (a nested group: its group id). */
  get ids(): string[] {
    return this.results.map((r) => r.id);
  }

  /** Every task id in the group, nested groups included. */
  leafIds(): string[] {
    return this.results.flatMap((r) => (r instanceof GroupResult ? r.leafIds() : [r.id]));
  }

  /**
   * Waits for every member, in order, within one overall `timeout`; resolves with their values. With
   * `propagate` (default) the first failed member (in order) throws its RemoteTaskError.
   */
  get(options?: GetOptions & { readonly propagate?: true }): Promise<JsonValue[]>;
  get(options: GetOptions & { readonly propagate: false }): Promise<Outcome[]>;
  get(options?: GetOptions): Promise<Outcome[]>;
  async get(options: GetOptions = {}): Promise<Outcome[]> {
    const deadline = Date.now() + timeoutOf(options);
    const propagate = options.propagate ?? true;
    const values: Outcome[] = [];
    for (const result of this.results) {
      const timeout = Math.max(0, deadline - Date.now());
      // With propagate off a failure comes back as a RemoteTaskError, kept in the list as Python keeps the exception.
      values.push(result instanceof GroupResult ? await result.get({ timeout, propagate }) : await result.get<Outcome>({ timeout, propagate }));
    }
    return values;
  }

  async ready(): Promise<boolean> {
    for (const r of this.results) if (!(await r.ready())) return false;
    return true;
  }

  async successful(): Promise<boolean> {
    for (const r of this.results) if (!(await r.successful())) return false;
    return true;
  }

  async failed(): Promise<boolean> {
    for (const r of this.results) if (await r.failed()) return true;
    return false;
  }

  /** How many members succeeded (Celery's `completed_count`). */
  async completedCount(): Promise<number> {
    let n = 0;
    for (const r of this.results) if (await r.successful()) n++;
    return n;
  }

  /** Revokes every task of the group in one broadcast, as Celery does. */
  revoke(options: RevokeOptions = {}): Promise<ControlReply[]> {
    return revoke(this.ctx, this.leafIds(), options);
  }

  async forget(): Promise<void> {
    for (const r of this.results) await r.forget();
  }

  /** `GroupResult.save()`: stores the member ids under `celery-taskset-meta-<id>` for `GroupResult.restore`. */
  save(): Promise<void> {
    return backendOf(this.ctx).saveGroup({ groupId: this.id, taskIds: this.ids });
  }

  toString(): string {
    return this.id;
  }
}

function settle<T>(meta: TaskMeta, propagate: boolean): T | RemoteTaskError {
  if (meta.status === TaskState.Success) return meta.result as T;
  const error = new RemoteTaskError(meta);
  if (propagate) throw error;
  return error;
}
