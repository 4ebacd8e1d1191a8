/**
 * Events any producer can send, published on a real redis-server as a worker would: stamped in the year
 * 3000 or at 1e308 (kept as sent, flagged, and never sorting first), and task names full of control
 * characters (still a valid /metrics exposition).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskDetail, TaskPage } from '@/lib/api/tasks';
import { encodeEventJson, type JsonObject, names } from '@/lib/celery';
import { parseExposition } from '@/server/prometheus/exposition-test-parser';
import { createClient, type Client } from '@/worker/client';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';

const YEAR_3000 = 32_503_680_000;
const HOSTILE_NAME = 'evil\u0000name\r\u0007\u001b[31m\u007f\u0085\ud800';

describe('hostile task events on redis', () => {
  let redis: RedisServer;
  let pollen: TestPollen;
  let client: Client;
  const ids = { honest: crypto.randomUUID(), future: crypto.randomUUID(), huge: crypto.randomUUID(), named: crypto.randomUUID(), latest: crypto.randomUUID() };

  async function publish(uuid: string, timestamp: number, name = 'tasks.add', type = 'task-received', hostname = 'hostile@pollen'): Promise<void> {
    const event: JsonObject = {
      type, uuid, timestamp, hostname, utcoffset: 0, pid: 1, clock: 1,
      name, args: '()', kwargs: '{}', retries: 0, eta: null, expires: null, root_id: uuid, parent_id: null,
    };
    const { message, routingKey } = encodeEventJson(event, hostname);
    await client.transport.publishFanout(names.EVENT_EXCHANGE, routingKey, message);
  }

  beforeAll(async () => {
    redis = await startRedis();
    pollen = await startPollen({ broker: redis.url(0) });
    client = createClient({ broker: redis.url(0) });
    await until('Pollen to listen for events', async () => {
      await publish(ids.honest, Date.now() / 1000 - 5);
      return (await pollen.request(`/api/v1/tasks/${ids.honest}`)).status === 200;
    });
    await publish(ids.future, YEAR_3000, 'tasks.add', 'task-received', 'future@pollen');
    await publish(ids.huge, 1e308);
    await publish(ids.huge, 1e308, 'tasks.add', 'task-started');
    await publish(ids.named, Date.now() / 1000 - 2, HOSTILE_NAME);
    await publish(ids.latest, Date.now() / 1000);
    await publish(ids.latest, Date.now() / 1000, 'tasks.add', 'task-started');
    await until('Pollen to hold every task', async () => ((await pollen.request('/api/v1/tasks?limit=10')).body as TaskPage).tasks.length === 5);
  });

  afterAll(async () => {
    await client?.close();
    await pollen?.close();
    await redis?.stop();
  });

  async function page(query: string): Promise<TaskPage> {
    const answer = await pollen.request(`/api/v1/tasks?${query}`);
    expect(answer.status, answer.text).toBe(200);
    return answer.body as TaskPage;
  }

  it('does not sort tasks stamped in the year 3000 or at 1e308 first, newest first by received or started', async () => {
    const byReceived = (await page('sort=received&order=desc')).tasks.map((t) => t.uuid);
    // They sort by when Pollen received them: before the task sent last, with the tasks of their moment.
    expect(byReceived[0]).toBe(ids.latest);
    expect(byReceived).toHaveLength(5);
    const ascending = (await page('sort=received&order=asc')).tasks.map((t) => t.uuid);
    expect(ascending[ascending.length - 1]).toBe(ids.latest);
    const byStarted = (await page('sort=started&order=desc')).tasks.map((t) => t.uuid);
    expect(byStarted.slice(0, 2)).toEqual([ids.latest, ids.huge]);
  });

  it("does not sort them first in Flower's /api/tasks either (newest state change first by default)", async () => {
    const answer = await pollen.request('/api/tasks');
    expect(Object.keys(answer.body as object)[0]).toBe(ids.latest);
  });

  it('keeps their timestamps as sent and flags the clock; honest tasks are not flagged', async () => {
    const detail = async (id: string) => ((await pollen.request(`/api/v1/tasks/${id}`)).body as TaskDetail).task;
    const future = await detail(ids.future);
    expect(future).toMatchObject({ received: YEAR_3000, clock_skew: expect.any(Number) });
    expect(future?.clock_skew).toBeGreaterThan(900 * 365 * 86400);
    expect(await detail(ids.huge)).toMatchObject({ received: 1e308, started: 1e308, clock_skew: expect.any(Number) });
    expect(await detail(ids.honest)).toMatchObject({ clock_skew: null });
    expect(await detail(ids.latest)).toMatchObject({ clock_skew: null });
  });

  it("flags the clock of a worker whose last event was stamped in the year 3000, and only that worker's", async () => {
    const workers = (await pollen.request('/api/workers')).body as Record<string, { clock_suspect?: boolean }>;
    expect(workers['future@pollen']?.clock_suspect).toBe(true);
    expect(workers['hostile@pollen']?.clock_suspect).toBe(false);
  });

  it('writes /metrics as a valid exposition with the control characters of a task name spelled out', async () => {
    const answer = await pollen.request('/metrics');
    expect(answer.status).toBe(200);
    const families = parseExposition(answer.text);
    const tasks = [...families.values()].flatMap((f) => f.samples).map((s) => s.labels['task']).filter((t): t is string => t !== undefined);
    expect(tasks).toContain('evil\\x00name\\x0d\\x07\\x1b[31m\\x7f\\x85\\ud800');
  });
});
