/**
 * Flower's apply, async-apply and send-task (FLOWER-API.md §2.2, flower/api/tasks.py): send a task by
 * name with the JSON body's args, kwargs and options (flower-apply-options.ts).
 *
 * - apply: sends, waits until the task is ready, answers `{"task-id", "result", "state"}` (+ `traceback`
 *   on FAILURE). Flower waits forever; Pollen waits `timeout` seconds (default 60) and then answers 504
 *   with the task id and its state, so that the caller can follow it with GET /api/task/result.
 * - async-apply, send-task: send and answer `{"task-id", "state"}`, the state only with a result backend.
 *
 * Flower looks apply's and async-apply's task up in its own Celery app; Pollen has none, so a task is known
 * when a worker lists it in its `registered` inspect reply (asked again before saying no) or it was seen in
 * events. send-task sends any name, as Flower's does.
 */
import { z } from 'zod';
import type { InspectCache } from '../control/inspect-cache';
import type { RouteContext, RouteRequest } from '../http/route-types';
import type { TaskStore } from '../store/task-store';
import { apiError, type ApiResponse, badRequest } from './api-error';
import { taskBody, taskCall } from './flower-apply-options';
import { type Handler, NO_BACKEND, reachBroker } from './flower-control';
import { secondsParam } from './flower-control-params';
import { readBackend } from '../backend/request-read';
import { backendFailure, MAX_WAIT_SECONDS, resultFields, stateOf, waitForTask } from './flower-task-result';

/** How long apply waits by default: long enough for a quick task on a busy worker, short of common proxy timeouts. */
export const DEFAULT_APPLY_TIMEOUT_SECONDS = 60;

export const applyBody = taskBody.extend({
  timeout: secondsParam
    .pipe(z.number().max(MAX_WAIT_SECONDS, `must be at most ${MAX_WAIT_SECONDS} seconds`))
    .default(DEFAULT_APPLY_TIMEOUT_SECONDS)
    .describe(`Pollen: seconds to wait for the task (default ${DEFAULT_APPLY_TIMEOUT_SECONDS}, at most ${MAX_WAIT_SECONDS}); also read from the query`),
});

type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly response: ApiResponse };

/** The JSON object body (none is `{}`), as Flower reads it whatever the content type. */
function jsonBody(request: RouteRequest): Checked<Record<string, unknown>> {
  const { json, fields, query } = request;
  if (json === undefined) {
    // A form body shows as fields the query does not have; Flower answers 400 for a body that is not JSON.
    const fromForm = Object.keys(fields).some((key) => !query.has(key));
    return fromForm ? { ok: false, response: apiError(400, 'body: expected a JSON object such as {"args": [1, 2]}') } : { ok: true, value: {} };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, response: apiError(400, 'body: expected a JSON object with args, kwargs and options') };
  return { ok: true, value: json as Record<string, unknown> };
}

function registers(inspect: InspectCache, name: string): boolean {
  for (const worker of inspect.workers()) {
    const registered = inspect.snapshot(worker).registered?.value;
    // Celery lists `name` or, with task info, `name [rate_limit=10/m]`.
    if (Array.isArray(registered) && registered.some((entry) => typeof entry === 'string' && entry.split(' [', 1)[0] === name)) return true;
  }
  return false;
}

function seenInEvents(store: TaskStore, name: string): boolean {
  return store.hasTaskName(name);
}

async function isKnownTask(context: RouteContext, name: string): Promise<boolean> {
  const { inspect, store } = context;
  if ((inspect !== null && registers(inspect, name)) || seenInEvents(store, name)) return true;
  if (inspect === null) return false;
  // A worker that started since the last inspect may have it: ask before saying no. The workers the
  // events show first, by name: that ends as soon as they have all answered, and is not merged into a
  // refresh of everyone that began before they were up. Then everyone (workers without events).
  const online = store.onlineWorkers(Date.now() / 1000);
  if (online.length > 0) {
    await inspect.refresh(online);
    if (registers(inspect, name)) return true;
  }
  await inspect.refresh();
  return registers(inspect, name);
}

interface Needs {
  /** apply, async-apply: a worker must know the task. */
  readonly registered: boolean;
  /** apply: waits for the result, so needs the backend and reads `timeout`. */
  readonly wait: boolean;
}

/** Validates, checks what the endpoint needs, sends: the task id and how long to wait, or the answer that stops it. */
async function send(request: RouteRequest, context: RouteContext, needs: Needs): Promise<Checked<{ readonly id: string; readonly waitSeconds: number }>> {
  const json = jsonBody(request);
  if (!json.ok) return json;
  const queryTimeout = request.query.get('timeout');
  const parsed = needs.wait ? applyBody.safeParse({ ...(queryTimeout !== null && { timeout: queryTimeout }), ...json.value }) : taskBody.safeParse(json.value);
  if (!parsed.success) return { ok: false, response: badRequest(parsed.error) };
  const broker = reachBroker(context);
  if (!broker.ok) return broker;
  const client = broker.client;
  if (needs.wait && context.backend === null) return { ok: false, response: apiError(503, NO_BACKEND) };
  const name = request.params['taskname'] ?? '';
  if (needs.registered && !(await isKnownTask(context, name))) return { ok: false, response: apiError(404, `Unknown task '${name}'`) };
  const call = taskCall(parsed.data, client.producer.defaultQueue);
  if (!call.ok) return call;
  const waitSeconds = 'timeout' in parsed.data && typeof parsed.data.timeout === 'number' ? parsed.data.timeout : 0;
  try {
    const result = await client.sendTask(name, call.call.args, call.call.kwargs, call.call.options);
    return { ok: true, value: { id: result.id, waitSeconds } };
  } catch (err) {
    return { ok: false, response: apiError(503, `could not send the task: ${err instanceof Error ? err.message : String(err)}`) };
  }
}

/** `{"task-id", "state"?}`: the state read back when there is a result backend (PENDING, unless the task was quick). */
async function sentAnswer(context: RouteContext, id: string): Promise<ApiResponse> {
  if (context.backend === null) return { status: 200, body: { 'task-id': id } };
  try {
    return { status: 200, body: { 'task-id': id, state: stateOf(await readBackend(context.backend, (b) => b.get(id))) } };
  } catch {
    // The task is sent: say so, without a state, rather than invite a second send with an error.
    return { status: 200, body: { 'task-id': id } };
  }
}

export const applyTask: Handler = async (request, context) => {
  const sent = await send(request, context, { registered: true, wait: true });
  if (!sent.ok) return sent.response;
  const { id, waitSeconds } = sent.value;
  const backend = context.backend;
  if (backend === null) return apiError(503, NO_BACKEND);
  try {
    const { meta, ready } = await waitForTask(backend, id, waitSeconds * 1000);
    if (!ready) {
      const error = `task '${id}' did not finish within ${waitSeconds} s; follow it with GET /api/task/result/${id}`;
      return { status: 504, body: { error, 'task-id': id, state: stateOf(meta) } };
    }
    return { status: 200, body: { 'task-id': id, ...resultFields(meta, context.redactor), state: stateOf(meta) } };
  } catch (err) {
    return backendFailure(err);
  }
};

export const asyncApplyTask: Handler = async (request, context) => {
  const sent = await send(request, context, { registered: true, wait: false });
  return sent.ok ? sentAnswer(context, sent.value.id) : sent.response;
};

export const sendTask: Handler = async (request, context) => {
  const sent = await send(request, context, { registered: false, wait: false });
  return sent.ok ? sentAnswer(context, sent.value.id) : sent.response;
};
