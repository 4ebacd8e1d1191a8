/**
 * POST /api/v1/tasks/revoke: revokes many tasks (by ids or filters) with one broadcast, as Celery's
 * `control.revoke([...])` does: every worker adds them to its revoked set, so a task not received yet is
 * dropped wherever it lands. Finished tasks are refused (nothing to stop); ids Pollen does not hold are
 * revoked anyway, since they may still wait in a queue.
 *
 * Unlike Flower's fire-and-forget revoke, it waits for the workers' replies (as `celery control revoke`
 * does), so an operator sees which workers flagged the tasks, and which said nothing.
 */
import { z } from 'zod';
import { flowerBoolean } from '../../flower-boolean';
import type { RouteContext } from '../../http/route-types';
import { FINISHED_STATES } from '@/lib/api/task-states';
import { apiError, type ApiResponse, badRequest } from '../api-error';
import { bulkShape, selectTasks } from './bulk-select';
import { NO_BROKER, type Refusal } from './task-retry';
import type { ControlReply } from '@/lib/celery';
import type { RevokeReply } from '@/lib/api/tasks';

/** A signal as Celery's `signals.signum` takes it: an upper-case name (SIGKILL or KILL) or a number. */
const signal = z
  .union([z.number().int().min(1).max(64), z.string().regex(/^(?:SIG)?[A-Z0-9]+$|^\d+$/i, 'expected a signal name (SIGTERM, KILL) or number')])
  .transform((value) => (typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : value.toUpperCase()));

export const bulkRevokeBody = z.strictObject({
  ...bulkShape,
  terminate: flowerBoolean.default(false).describe('also stop the tasks that are running'),
  signal: signal.default('SIGTERM').describe('signal for terminate (default SIGTERM)'),
});

export async function revokeMany(json: unknown, context: RouteContext): Promise<ApiResponse> {
  const { client, store } = context;
  if (client === null) return apiError(503, NO_BROKER);
  const parsed = bulkRevokeBody.safeParse(json ?? {});
  if (!parsed.success) return badRequest(parsed.error);
  const { dry_run: dryRun, terminate, signal: signum, ...selection } = parsed.data;
  const selected = selectTasks(store, selection);
  if (!selected.ok) return selected.response;
  const revocable: string[] = [];
  const refused: Refusal[] = [];
  for (const id of selected.ids) {
    const task = store.task(id);
    if (task && FINISHED_STATES.has(task.state)) refused.push({ id, reason: `Task '${id}' is ${task.state}: a finished task has nothing to revoke` });
    else revocable.push(id);
  }
  const matched = selected.ids.length;
  if (dryRun) return { status: 200, body: { matched, revocable: revocable.length, refused } };
  let replies: RevokeReply[] = [];
  if (revocable.length > 0) {
    // Stop as soon as every worker the events call alive has answered; with none known alive, wait out the
    // timeout: a worker started without -E still acts on the revoke and replies.
    const alive = store.onlineWorkers(Date.now() / 1000).length;
    try {
      const answers = await client.control.broadcast('revoke', { task_id: revocable, terminate, signal: signum }, { reply: true, timeout: context.config.inspectTimeoutMs, limit: alive > 0 ? alive : null });
      replies = answers.map(revokeReply).sort((a, b) => a.worker.localeCompare(b.worker));
    } catch (err) {
      return apiError(503, `the revoke could not be sent: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { status: 200, body: { matched, revoked: revocable, refused, replies } };
}

/** Celery answers `{"ok": "tasks ... flagged as revoked"}`, or `{"error": ...}` when the command failed. */
function revokeReply(reply: ControlReply): RevokeReply {
  const value = reply.value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    if (typeof value['ok'] === 'string') return { worker: reply.node, ok: true, message: value['ok'] };
    if (value['error'] !== undefined) return { worker: reply.node, ok: false, message: String(value['error']) };
  }
  return { worker: reply.node, ok: false, message: `unexpected reply: ${JSON.stringify(value)}` };
}
