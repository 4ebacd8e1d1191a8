/**
 * Retry over HTTP: POST /api/v1/tasks/:id/retry for one task, POST /api/v1/tasks/retry for many (by ids
 * or filters, with a dry run). The decision is server/retry's: 409 with the reason when a task cannot be
 * re-sent faithfully, never a guess.
 */
import { z } from 'zod';
import { flowerBoolean } from '../../flower-boolean';
import type { RouteContext } from '../../http/route-types';
import { type RetryDeps, RetrySession } from '../../retry/retry-sender';
import { apiError, type ApiResponse, badRequest } from '../api-error';
import { bulkShape, selectTasks } from './bulk-select';

export const NO_BROKER = 'Pollen was started without a broker (--broker), so it cannot send tasks';

const retryOptions = {
  // Not `queue`: in a bulk retry that name is the filter on the originals' queue.
  to_queue: z.string().min(1).max(255).optional().describe("send the retry to this queue (default: the original's, when known)"),
  priority: z.coerce.number({ message: 'expected a number' }).int('expected a whole number').min(0).max(255).optional().describe('message priority (default: none)'),
  force: flowerBoolean.default(false).describe('retry even if Pollen already retried this task'),
};

export const retryBody = z.strictObject(retryOptions);
export const bulkRetryBody = z.strictObject({ ...bulkShape, ...retryOptions });

export interface Refusal {
  readonly id: string;
  readonly reason: string;
}

/** The retry's dependencies from the server's: null without a broker. */
function retryDeps(context: RouteContext): RetryDeps | null {
  const { client, collector, store, backend, inspect } = context;
  if (client === null || collector === null) return null;
  return { state: store, backend, inspect, client, apply: (event, at) => collector.applyOwn(event, at) };
}

export async function retryOne(id: string, fields: unknown, context: RouteContext): Promise<ApiResponse> {
  const deps = retryDeps(context);
  if (deps === null) return apiError(503, NO_BROKER);
  const parsed = retryBody.safeParse(fields);
  if (!parsed.success) return badRequest(parsed.error);
  const { to_queue: queue, priority, force } = parsed.data;
  const session = new RetrySession(deps, { queue, priority, force });
  const plan = await session.plan(id);
  if (!plan.ok) return apiError(plan.status, plan.reason);
  try {
    return { status: 200, body: { 'task-id': await session.send(plan) } };
  } catch (err) {
    return apiError(503, `the retry could not be sent: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Backend reads at once while planning a bulk retry: enough to hide latency, few enough for any Redis. */
const PLAN_CONCURRENCY = 16;

export async function retryMany(json: unknown, context: RouteContext): Promise<ApiResponse> {
  const deps = retryDeps(context);
  if (deps === null) return apiError(503, NO_BROKER);
  const parsed = bulkRetryBody.safeParse(json ?? {});
  if (!parsed.success) return badRequest(parsed.error);
  const { dry_run: dryRun, to_queue: queue, priority, force, ...selection } = parsed.data;
  const selected = selectTasks(deps.state, selection);
  if (!selected.ok) return selected.response;
  const session = new RetrySession(deps, { queue, priority, force });
  const plans = [];
  for (let at = 0; at < selected.ids.length; at += PLAN_CONCURRENCY) {
    plans.push(...(await Promise.all(selected.ids.slice(at, at + PLAN_CONCURRENCY).map((id) => session.plan(id)))));
  }
  const refused: Refusal[] = [];
  const sent: { id: string; new_id: string }[] = [];
  let retryable = 0;
  for (const [i, plan] of plans.entries()) {
    const id = selected.ids[i] as string;
    if (!plan.ok) {
      refused.push({ id, reason: plan.reason });
      continue;
    }
    retryable++;
    if (dryRun) continue;
    try {
      sent.push({ id, new_id: await session.send(plan) });
    } catch (err) {
      refused.push({ id, reason: `the retry could not be sent: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  const matched = selected.ids.length;
  return { status: 200, body: dryRun ? { matched, retryable, refused } : { matched, sent, refused } };
}
