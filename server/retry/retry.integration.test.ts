/**
 * Retry against real Python Celery (Debian's python3-celery 5.2) on a real redis-server and a real
 * RabbitMQ, results in Redis, through a Pollen server's HTTP API: a failed task is re-sent with the same
 * args and fails the same way again; a task whose args repr Celery cut is refused with 409 unless the
 * workers store result_extended, in which case the backend's args are sent; bulk retry counts, refuses and
 * sends; the new message carries the link back to the original.
 */
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonValue, parsePythonRepr } from '@/lib/celery';
import type { Child } from '@/test/harness/child';
import { runPython, startCeleryWorker } from '@/test/harness/celery-worker';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { startRabbit, type RabbitServer } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import type { BulkRevokeResult, TaskDetail } from '@/lib/api/tasks';
import type { Workflow } from '../api/v1/workflow-graph';

const SEND_TASK = new URL('../../test/python/send_task.py', import.meta.url).pathname;

/** A repr read back as JSON (a Python producer writes args as a list, Pollen as a tuple: same call). */
function call(repr: string | null | undefined): JsonValue {
  const parsed = parsePythonRepr(repr ?? '');
  if (!parsed.ok) throw new Error(`${repr}: ${parsed.error.message}`);
  return parsed.value;
}

/** The exception a task failed with, from its traceback (the solo pool's exception repr is broken, CELERY-WIRE.md §5.4). */
function raised(detail: TaskDetail): string | undefined {
  return detail.task?.traceback?.trim().split('\n').pop();
}

/** Past Celery's 1024-character argsrepr: the repr of this list is cut. */
const BIG_LIST = [...Array.from({ length: 600 }, (_, i) => i), 'not a number'];

describe.each(['redis', 'amqp'] as const)('retry on %s with real Python workers', (kind) => {
  let redis: RedisServer;
  let rabbit: RabbitServer | undefined;
  let pollen: TestPollen;
  let plain: Child;
  let extended: Child;
  let brokerUrl: string;
  let backendUrl: string;

  beforeAll(async () => {
    redis = await startRedis();
    if (kind === 'amqp') rabbit = await startRabbit();
    brokerUrl = rabbit ? rabbit.url() : redis.url(0);
    backendUrl = redis.url(1);
    pollen = await startPollen({ broker: brokerUrl, resultBackend: backendUrl });
    [plain, extended] = await Promise.all([
      startCeleryWorker({ broker: brokerUrl, backend: backendUrl, events: true, nodename: `plain-${kind}@pollen` }),
      startCeleryWorker({ broker: brokerUrl, backend: backendUrl, events: true, resultExtended: true, queues: ['extended'], nodename: `ext-${kind}@pollen` }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([plain?.stop(), extended?.stop()]);
    await pollen?.close();
    await rabbit?.stop();
    await redis?.stop();
  });

  /** Sends a task from Python (no task-sent event, as Celery's default) and returns its id. */
  async function sendFromPython(name: string, args: unknown[], queue = 'celery'): Promise<string> {
    const output = await runPython(SEND_TASK, { broker: brokerUrl, backend: backendUrl, args: [name, queue, JSON.stringify(args)], timeoutMs: 60_000 });
    const id = output.split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f-]{36}$/.test(l)).pop();
    if (!id) throw new Error(`no task id in ${output}`);
    return id;
  }

  async function detail(id: string): Promise<TaskDetail> {
    const { status, body } = await pollen.request(`/api/v1/tasks/${id}`);
    expect(status).toBe(200);
    return body as TaskDetail;
  }

  /** Waits until Pollen's model shows the task in `state` (from the worker's events). */
  async function settled(id: string, state: string, timeoutMs = 30_000): Promise<TaskDetail> {
    return until(`task ${id} ${state} in Pollen`, async () => {
      const { status, body } = await pollen.request(`/api/v1/tasks/${id}`);
      return status === 200 && (body as TaskDetail).task?.state === state ? (body as TaskDetail) : null;
    }, timeoutMs);
  }

  it('re-sends a failed task with JSON-literal args: it runs again with the same args, linked back', async () => {
    // Three levels deep at most: saferepr writes deeper containers as [...], which is refused.
    const args = [[1, 2, "it's", { a: null, b: true, 'é ✓': 1.5 }]];
    const original = await sendFromPython('tasks.tsum', args);
    const failed = await settled(original, 'FAILURE');
    expect(raised(failed)).toMatch(/^TypeError: /);

    const { status, body } = await pollen.request(`/api/v1/tasks/${original}/retry`, { method: 'POST' });
    expect(status, JSON.stringify(body)).toBe(200);
    const newId = (body as { 'task-id': string })['task-id'];
    expect(newId).toMatch(/^[0-9a-f-]{36}$/);
    expect(newId).not.toBe(original);

    const retried = await settled(newId, 'FAILURE');
    // The worker got the same args: its task-received repr and its failure are the original's.
    expect(retried.task).toMatchObject({ name: 'tasks.tsum', kwargs: '{}', worker: `plain-${kind}@pollen`, retry_of: original });
    expect(call(retried.task?.args)).toEqual(args);
    expect(call(failed.task?.args)).toEqual(args);
    expect(raised(retried)).toBe(raised(failed));
    expect((await detail(original)).task?.retried_as).toEqual([newId]);
    const graph = (await pollen.request(`/api/v1/tasks/${newId}/workflow`)).body as Workflow;
    expect(graph.root).toBe(original);
    expect(graph.edges).toEqual([{ from: original, to: newId, kind: 'retry' }]);

    // Once only, unless forced; a forced retry to another queue shows the link in the message itself.
    const again = await pollen.request(`/api/v1/tasks/${original}/retry`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((again.body as { error: string }).error).toContain(`already retried as ${newId}`);
    const parked = await pollen.request(`/api/v1/tasks/${original}/retry`, { json: { force: true, to_queue: `parked-${kind}` } });
    expect(parked.status).toBe(200);
    const headers = await parkedHeaders(`parked-${kind}`);
    expect(headers).toMatchObject({ pollen_retry_of: original, id: (parked.body as { 'task-id': string })['task-id'], task: 'tasks.tsum' });
    expect(call(headers['argsrepr'] as string)).toEqual(args);
  });

  async function parkedHeaders(queue: string): Promise<Record<string, unknown>> {
    if (kind === 'redis') {
      const client = new Redis(redis.url(0));
      try {
        const raw = await until('the parked message', () => client.lindex(queue, 0));
        return (JSON.parse(raw) as { headers: Record<string, unknown> }).headers;
      } finally {
        client.disconnect();
      }
    }
    const connection = await amqp.connect((rabbit as RabbitServer).url());
    try {
      const channel = await connection.createChannel();
      const message = await until('the parked message', () => channel.get(queue, { noAck: true }));
      return (message as amqp.GetMessage).properties.headers as Record<string, unknown>;
    } finally {
      await connection.close();
    }
  }

  it('refuses with 409 a task whose args repr Celery cut, when the workers do not store result_extended', async () => {
    const original = await sendFromPython('tasks.tsum', [BIG_LIST]);
    const failed = await settled(original, 'FAILURE');
    expect(failed.task?.args).toMatch(/^\[\[0, 1, 2, .*\.\.\.\]\]$/);
    expect(failed.backend?.meta).toMatchObject({ status: 'FAILURE' });
    expect(failed.backend?.meta).not.toHaveProperty('args');
    const { status, body } = await pollen.request(`/api/v1/tasks/${original}/retry`, { method: 'POST' });
    expect(status).toBe(409);
    const reason = (body as { error: string }).error;
    expect(reason).toContain("its args repr was cut by Celery's saferepr, which keeps 1024 characters and 3 levels of nesting");
    expect(reason).toContain('the workers run without result_extended = True');
  });

  it('re-sends the same kind of task from the result backend when the workers store result_extended', async () => {
    const original = await sendFromPython('tasks.tsum', [BIG_LIST], 'extended');
    const failed = await settled(original, 'FAILURE');
    await until('the extended meta', async () => (await detail(original)).backend?.meta?.['args'] !== undefined);
    const { status, body } = await pollen.request(`/api/v1/tasks/${original}/retry`, { method: 'POST' });
    expect(status, JSON.stringify(body)).toBe(200);
    const newId = (body as { 'task-id': string })['task-id'];
    const retried = await settled(newId, 'FAILURE');
    expect(retried.task).toMatchObject({ worker: `ext-${kind}@pollen`, retry_of: original });
    expect(retried.task?.args).toMatch(/^\(\[0, 1, 2, .*\.\.\.\],\)$/);
    // Every element, not just the repr's first 1024 characters, reached the worker.
    const stored = await until('the retry meta', async () => (await detail(newId)).backend?.meta);
    expect(stored).toMatchObject({ status: 'FAILURE', name: 'tasks.tsum', args: [BIG_LIST], kwargs: {}, queue: 'extended' });
  });

  it('answers 409 naming the state of a task that did not fail, and 404 for an unknown one', async () => {
    const ok = await sendFromPython('tasks.add', [2, 3]);
    await settled(ok, 'SUCCESS');
    const { status, body } = await pollen.request(`/api/v1/tasks/${ok}/retry`, { method: 'POST' });
    expect(status).toBe(409);
    expect((body as { error: string }).error).toBe(`Task '${ok}' cannot be retried: it is SUCCESS: only FAILURE and REVOKED tasks are retried`);
    expect((await pollen.request('/api/v1/tasks/no-such-task/retry', { method: 'POST' })).status).toBe(404);
    expect((await pollen.request('/api/v1/tasks/no-such-task')).body).toEqual({ error: "Unknown task 'no-such-task'" });
    expect((await pollen.request('/api/v1/tasks/no-such-task/workflow')).status).toBe(404);
    expect((await pollen.request(`/api/v1/tasks/${ok}/retry`, { json: { priority: 'high' } })).status).toBe(400);
  });

  it('counts a bulk retry in a dry run, then sends what it can and says why not the rest', async () => {
    const marker = `bulk-${kind}-${Date.now()}`;
    const ids = await Promise.all([
      sendFromPython('tasks.fail', [`${marker} one`]),
      sendFromPython('tasks.fail', [`${marker} two`]),
      sendFromPython('tasks.fail', [`${marker} ${'x'.repeat(1100)}`]),
    ]);
    for (const id of ids) await settled(id, 'FAILURE');
    const filter = { state: 'FAILURE', name: 'tasks.fail', search: `args:${marker}` };

    const dry = await pollen.request('/api/v1/tasks/retry', { json: { ...filter, dry_run: true } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ matched: 3, retryable: 2, refused: [{ id: ids[2], reason: expect.stringContaining("cut by Celery's saferepr") }] });

    const sent = await pollen.request('/api/v1/tasks/retry', { json: filter });
    expect(sent.status).toBe(200);
    const result = sent.body as { matched: number; sent: { id: string; new_id: string }[]; refused: { id: string }[] };
    expect(result.sent.map((s) => s.id).sort()).toEqual([ids[0], ids[1]].sort());
    for (const { new_id } of result.sent) await settled(new_id, 'FAILURE');

    // The originals are now retried; their retries match the filter too and are retryable themselves.
    const after = await pollen.request('/api/v1/tasks/retry', { json: { ...filter, dry_run: true } });
    expect(after.body).toMatchObject({ matched: 5, retryable: 2 });
    expect((after.body as { refused: { reason: string }[] }).refused.filter((r) => r.reason.includes('already retried'))).toHaveLength(2);

    const revoke = await pollen.request('/api/v1/tasks/revoke', { json: { ...filter, dry_run: true } });
    expect(revoke.body).toMatchObject({ matched: 5, revocable: 0 });
    expect((await pollen.request('/api/v1/tasks/retry', { json: { dry_run: true } })).status).toBe(400);
  });

  it('revokes many ids in one broadcast that the workers act on, refusing finished tasks', async () => {
    const done = await sendFromPython('tasks.add', [1, 1]);
    await settled(done, 'SUCCESS');
    const waiting = [crypto.randomUUID(), crypto.randomUUID()];
    const { status, body } = await pollen.request('/api/v1/tasks/revoke', { json: { ids: [...waiting, done] } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ matched: 3, revoked: waiting, refused: [{ id: done, reason: expect.stringContaining('is SUCCESS') }] });
    const worker = `plain-${kind}@pollen`;
    // Both workers confirm, in Celery's words, naming the ids they flagged.
    const { replies } = body as BulkRevokeResult;
    expect(replies.map((r) => r.worker)).toEqual([`ext-${kind}@pollen`, worker]);
    for (const reply of replies) {
      expect(reply.ok).toBe(true);
      expect(reply.message).toContain('flagged as revoked');
      for (const id of waiting) expect(reply.message).toContain(id);
    }
    await until('the worker to hold both ids as revoked', async () => {
      const workers = (await pollen.request(`/api/workers?refresh=true&workername=${encodeURIComponent(worker)}`)).body as Record<string, { revoked?: string[] }>;
      return waiting.every((id) => workers[worker]?.revoked?.includes(id));
    }, 20_000);
  });
});
