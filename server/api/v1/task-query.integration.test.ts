/**
 * GET /api/v1/tasks paged over HTTP while a real Python Celery worker on a real redis-server keeps
 * reporting new tasks: every task is returned exactly once across the pages, whatever the order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from '@/worker/client';
import type { Child } from '@/test/harness/child';
import { startCeleryWorker } from '@/test/harness/celery-worker';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import type { TaskPage } from '@/lib/api/tasks';

describe('paging tasks while they keep arriving, Python worker on redis', () => {
  let redis: RedisServer;
  let pollen: TestPollen;
  let worker: Child;
  let client: Client;
  let sending = false;
  let sender: Promise<void> = Promise.resolve();
  let sent = 0;

  beforeAll(async () => {
    redis = await startRedis();
    pollen = await startPollen({ broker: redis.url(0), resultBackend: redis.url(1) });
    worker = await startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), events: true, nodename: 'pager@pollen' });
    client = createClient({ broker: redis.url(0) });
  });

  afterAll(async () => {
    sending = false;
    await sender;
    await client?.close();
    await worker?.stop();
    await pollen?.close();
    await redis?.stop();
  });

  async function tasks(params: Record<string, string>): Promise<TaskPage> {
    const { status, body } = await pollen.request(`/api/v1/tasks?${new URLSearchParams(params).toString()}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body as TaskPage;
  }

  /** Keeps sending tasks.add, about 50 a second, until stopped. */
  function keepSending(): void {
    sending = true;
    sender = (async () => {
      while (sending) {
        await client.sendTask('tasks.add', [sent, sent]);
        sent++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }

  it.each([
    ['arrival', 'desc'],
    ['arrival', 'asc'],
    ['received', 'asc'],
  ])('returns every task exactly once across pages (sort %s %s)', async (sort, order) => {
    keepSending();
    try {
      await until('50 tasks in Pollen', async () => (await tasks({ name: 'tasks.add', limit: '1' })).total_matching >= 50);
      const before = new Set((await tasks({ name: 'tasks.add', limit: '1000' })).tasks.map((t) => t.uuid));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: TaskPage = await tasks({ name: 'tasks.add', limit: '7', sort, order, ...(cursor && { cursor }) });
        seen.push(...page.tasks.map((t) => t.uuid));
        cursor = page.next_cursor;
        pages++;
        // Slow enough that tasks arrive between pages.
        await new Promise((r) => setTimeout(r, 30));
      } while (cursor !== null && pages < 500);
      expect(cursor).toBeNull();
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of before) expect(seen).toContain(id);
      if (order === 'asc') expect(seen.length).toBeGreaterThan(before.size);
      else {
        // Newest first, paging starts at the newest task when the first page is read: tasks that arrived
        // between reading `before` and that page lead the list, and none that arrived later gets in.
        const extra = seen.length - before.size;
        expect(extra).toBeGreaterThanOrEqual(0);
        expect(seen.slice(0, extra).some((id) => before.has(id))).toBe(false);
        expect(seen.slice(extra).every((id) => before.has(id))).toBe(true);
      }
    } finally {
      sending = false;
      await sender;
    }
  });
});
