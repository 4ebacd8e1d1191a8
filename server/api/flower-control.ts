/**
 * Flower's control endpoints (FLOWER-API.md §2.1–2.2, flower/api/control.py and tasks.py): worker
 * shutdown, pool restart/grow/shrink/autoscale, add/cancel consumer, and task revoke, rate-limit,
 * timeout and abort. Same paths, parameters, messages and status codes: `{"message": ...}` on success,
 * 404 `{"error": "Unknown worker '…'"}`, 403 with Flower's plain-text reason when the worker refuses.
 * Pollen adds 504 when the worker is silent, 503 without a broker (or result backend, for abort), and 400
 * naming the parameter where Flower would fail on a bad value.
 */
import { z } from 'zod';
import { linkDown } from '@/lib/broker';
import { FINISHED_STATES } from '@/lib/api/task-states';
import { newTaskMeta, type TaskMeta } from '@/lib/celery';
import type { Client } from '@/worker/client';
import { flowerBoolean } from '../flower-boolean';
import type { ControlOutcome, WorkerControl } from '../control/worker-control';
import type { RouteContext, RouteRequest } from '../http/route-types';
import { readBackend } from '../backend/request-read';
import { apiError, type ApiResponse, badRequest } from './api-error';
import { backendFailure } from './flower-task-result';
import { rateLimitParam, secondsParam, signalParam, textParam, wholeNumberParam } from './flower-control-params';

/** The state `AbortableAsyncResult.abort()` stores (celery.contrib.abortable.ABORTED); AbortableTask.is_aborted() reads it. */
export const ABORTED = 'ABORTED';

export const NO_BROKER = 'Pollen was started without a broker (--broker), so it cannot reach the workers';
/** The stable code of an answer refused because the link to the broker is down or stalled. */
export const BROKER_UNAVAILABLE = 'broker_unavailable';
export const NO_BACKEND = 'Pollen was started without a result backend (--result-backend)';

export const poolResizeQuery = z.object({ n: wholeNumberParam(1).default(1).describe('processes to add or remove (default 1)') });

export const autoscaleQuery = z
  .object({
    min: wholeNumberParam(0).describe('fewest pool processes'),
    max: wholeNumberParam(0).describe('most pool processes'),
  })
  .refine((q) => q.min <= q.max, { message: 'must not be more than max', path: ['min'] });

export const consumerQuery = z.object({ queue: textParam.describe('the queue to start or stop consuming from') });

export const revokeQuery = z.object({
  terminate: flowerBoolean.default(false).describe('also stop the task if it is running (default false)'),
  signal: signalParam.default('SIGTERM').describe('signal for terminate: a name (SIGKILL, KILL) or a number (default SIGTERM)'),
});

export const rateLimitQuery = z.object({
  workername: textParam.describe('the worker to change'),
  ratelimit: rateLimitParam.describe('tasks per second, minute or hour: 200, 10/s, 10/m, 5/h; empty for no limit'),
});

export const timeoutQuery = z.object({
  workername: textParam.describe('the worker to change'),
  soft: secondsParam.optional().describe('soft time limit in seconds (absent: none)'),
  hard: secondsParam.optional().describe('hard time limit in seconds (absent: none)'),
});

export type Handler = (request: RouteRequest, context: RouteContext) => Promise<ApiResponse>;

export type Reachable = { readonly ok: true; readonly control: WorkerControl; readonly client: Client } | { readonly ok: false; readonly response: ApiResponse };

/**
 * The control plane and task client, or 503: without a broker, or while the link to it is down (a
 * publish would wait for the broker to come back, and the request with it).
 */
export function reachBroker(context: RouteContext): Reachable {
  const { collector, control, client } = context;
  if (collector === null || control === null || client === null) return { ok: false, response: apiError(503, NO_BROKER) };
  const down = linkDown(collector.transport.state());
  if (down !== null) return { ok: false, response: apiError(503, `${down}: try again once it is back`, BROKER_UNAVAILABLE) };
  return { ok: true, control, client };
}

function answer(outcome: ControlOutcome): ApiResponse {
  if (outcome.ok) return { status: 200, body: { message: outcome.message } };
  // Flower writes a refused command's reason as plain text, and scripts print it as it is.
  if (outcome.status === 403) return { status: 403, body: outcome.reason };
  return apiError(outcome.status, outcome.reason);
}

/**
 * A worker neither the events nor the last inspect know may still be there (events off, or just
 * started): ask it once before answering 404, as Flower's inspect cache would know it.
 */
async function lookUp(context: RouteContext, worker: string): Promise<void> {
  if (context.store.worker(worker) !== undefined || context.inspect === null || context.inspect.workers().includes(worker)) return;
  await context.inspect.refresh([worker]);
}

/** A command to the worker named in the path (`:workername`), with its parameters validated first. */
function workerCommand<T>(schema: z.ZodType<T>, run: (control: WorkerControl, worker: string, args: T) => Promise<ControlOutcome>): Handler {
  return async ({ params, fields }, context) => {
    const parsed = schema.safeParse(fields);
    if (!parsed.success) return badRequest(parsed.error);
    const broker = reachBroker(context);
    if (!broker.ok) return broker.response;
    const worker = params['workername'] ?? '';
    await lookUp(context, worker);
    return answer(await run(broker.control, worker, parsed.data));
  };
}

/** A command about the task named in the path (`:taskname`), sent to `workername`. */
function taskCommand<T extends { workername: string }>(schema: z.ZodType<T>, run: (control: WorkerControl, task: string, args: T) => Promise<ControlOutcome>): Handler {
  return async ({ params, fields }, context) => {
    const parsed = schema.safeParse(fields);
    if (!parsed.success) return badRequest(parsed.error);
    const broker = reachBroker(context);
    if (!broker.ok) return broker.response;
    await lookUp(context, parsed.data.workername);
    return answer(await run(broker.control, params['taskname'] ?? '', parsed.data));
  };
}

const noParams = z.object({});

export const shutdownWorker = workerCommand(noParams, (control, worker) => control.shutdown(worker));
export const restartPool = workerCommand(noParams, (control, worker) => control.poolRestart(worker));
export const growPool = workerCommand(poolResizeQuery, (control, worker, { n }) => control.poolGrow(worker, n));
export const shrinkPool = workerCommand(poolResizeQuery, (control, worker, { n }) => control.poolShrink(worker, n));
export const autoscalePool = workerCommand(autoscaleQuery, (control, worker, { min, max }) => control.autoscale(worker, min, max));
export const addConsumer = workerCommand(consumerQuery, (control, worker, { queue }) => control.addConsumer(worker, queue));
export const cancelConsumer = workerCommand(consumerQuery, (control, worker, { queue }) => control.cancelConsumer(worker, queue));

export const setRateLimit = taskCommand(rateLimitQuery, (control, task, { workername, ratelimit }) => control.rateLimit(workername, task, ratelimit));
export const setTimeLimits = taskCommand(timeoutQuery, (control, task, { workername, soft, hard }) => control.timeLimit(workername, task, soft ?? null, hard ?? null));

export const revokeTask: Handler = async ({ params, fields }, context) => {
  const parsed = revokeQuery.safeParse(fields);
  if (!parsed.success) return badRequest(parsed.error);
  const broker = reachBroker(context);
  if (!broker.ok) return broker.response;
  return answer(await broker.control.revoke(params['id'] ?? '', parsed.data.terminate, parsed.data.signal));
};

/**
 * Celery's `AbortableAsyncResult(id).abort()`: stores ABORTED for the task, which an AbortableTask sees
 * through `is_aborted()`. Only a task that is not ready: Celery's abort() writes over whatever is stored,
 * so a finished task would lose its result (or traceback). A task ready in the model or in the backend
 * answers 409, and the write itself is conditional, so a task finishing at that moment keeps its result.
 */
export const abortTask: Handler = async ({ params }, context) => {
  if (context.backend === null) return apiError(503, NO_BACKEND);
  const id = params['id'] ?? '';
  const task = context.store.task(id);
  if (task !== undefined && FINISHED_STATES.has(task.state)) return notAbortable(id, task.state);
  let stored: TaskMeta | null;
  try {
    stored = await readBackend(context.backend, (backend) => backend.storeUnlessReady(newTaskMeta(id, ABORTED)));
  } catch (err) {
    return backendFailure(err);
  }
  if (stored !== null) return notAbortable(id, stored.status);
  return { status: 200, body: { message: `Aborted '${id}'` } };
};

function notAbortable(id: string, state: string): ApiResponse {
  return apiError(409, `Task '${id}' is already ${state}: only a task that is not ready can be aborted, and its stored result is kept`, 'task_ready');
}
