/**
 * The demo cluster on the in-process broker, watched by a real Pollen server in the same process (the
 * memory broker is process-wide): the scenarios it promises show up as the dashboard would see them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/runtime/logger';
import type { TaskDetail, TaskPage, Workflow } from '@/lib/api/tasks';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { until } from '@/test/harness/until';
import { type DemoCluster, startDemoCluster } from './demo-cluster';
import { DEMO_QUEUES } from './demo-queues';
import { _allTasks } from '@/server/api/v1/task-test-events';

describe('the demo cluster', () => {
  let pollen: TestPollen;
  let cluster: DemoCluster;

  beforeAll(async () => {
    pollen = await startPollen({ broker: 'memory://', resultBackend: 'memory://' });
    cluster = await startDemoCluster({
      broker: 'memory://',
      resultBackend: 'memory://',
      log: createLogger('warn'),
      // Faster ticks, but the crawler's sitemaps no faster than its real rate limit lets it fetch them.
      traffic: { tickMs: 250, steady: 3, burstEveryTicks: 20, burstTicks: 2, burstSize: 15, sitemapEveryTicks: 100, sitemapSize: 10 },
      onlineMs: 4000,
      offlineMs: 3000,
    });
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
    await pollen?.close();
  });

  const count = async (query: Record<string, string>): Promise<number> => {
    const { body } = await pollen.request(`/api/v1/tasks?${new URLSearchParams({ ...query, limit: '1' }).toString()}`);
    return (body as TaskPage).total_matching;
  };

  it('runs its four workers and sends every kind of task', async () => {
    const state = pollen.server.context.store;
    expect(cluster.workers).toHaveLength(4);
    await until('the demo workers online', () => cluster.workers.every((name) => state.worker(name)?.alive(Date.now() / 1000)), 15_000);
    for (const name of ['emails.send', 'images.thumbnail', 'crawler.fetch', 'reports.generate', 'ai.generate_text', 'reports.aggregate', 'webhooks.deliver', 'payments.charge']) {
      await until(`a ${name} task`, async () => (await count({ name })) > 0, 20_000);
    }
  }, 60_000);

  it("puts tasks in every one of Celery's states, the waiting ones for seconds", async () => {
    // Waiting states last as long as a queue or a rate limit holds the task: long enough to see on a page.
    const seen = new Map<string, number>();
    const lastedMs = new Map<string, number>();
    const first = new Map<string, { state: string; at: number }>();
    const states = ['PENDING', 'RECEIVED', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED'];
    const done = (): boolean => states.every((s) => seen.has(s)) && ['PENDING', 'RETRY'].every((s) => (lastedMs.get(s) ?? 0) >= 1000);
    await until('every state', () => {
      const now = Date.now();
      for (const task of _allTasks(pollen.server.context.store)) {
        seen.set(task.state, (seen.get(task.state) ?? 0) + 1);
        const was = first.get(task.uuid);
        if (was?.state === task.state) lastedMs.set(task.state, Math.max(lastedMs.get(task.state) ?? 0, now - was.at));
        else first.set(task.uuid, { state: task.state, at: now });
      }
      return done();
    }, 40_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; seen: ${JSON.stringify(Object.fromEntries(seen))}, longest PENDING/RETRY (ms): ${JSON.stringify(Object.fromEntries(lastedMs))}`);
    });
    // The queue is known from the task-sent events alone.
    const crawls = [..._allTasks(pollen.server.context.store)].filter((t) => t.name === 'crawler.fetch');
    expect(crawls.length).toBeGreaterThan(0);
    expect(new Set(crawls.map((t) => t.queue))).toEqual(new Set([DEMO_QUEUES.low]));
  }, 60_000);

  it('shows success, failure after retries, Celery retries and expired (revoked) tasks', async () => {
    await until('a succeeded task', async () => (await count({ state: 'SUCCESS' })) > 0, 20_000);
    // payments.charge retries twice, 2 s apart, then fails.
    await until('a payment failing after its retries', async () => (await count({ state: 'FAILURE', name: 'payments.charge' })) > 0, 30_000);
    await until('an expired reminder revoked', async () => (await count({ state: 'REVOKED', name: 'notifications.remind' })) > 0, 30_000);
    await until('a chord body that ran', async () => (await count({ state: 'SUCCESS', name: 'reports.aggregate' })) > 0, 30_000);
    const retried = [..._allTasks(pollen.server.context.store)].some((task) => task.retries > 0);
    expect(retried).toBe(true);
  }, 90_000);

  it('lists no row that contradicts its task: no retry exception on a success, no start before the receipt, a runtime on a failure', async () => {
    const rows = async (query: Record<string, string>) => ((await pollen.request(`/api/v1/tasks?${new URLSearchParams({ ...query, limit: '1000' }).toString()}`)).body as TaskPage).tasks;
    await until('a task that succeeded after a Celery retry', async () => (await rows({ state: 'SUCCESS' })).some((task) => task.retries > 0), 30_000);
    const all = await rows({});
    const retriedSuccesses = all.filter((task) => task.state === 'SUCCESS' && task.retries > 0);
    expect(retriedSuccesses.length).toBeGreaterThan(0);
    for (const task of retriedSuccesses) expect(task, task.uuid).toMatchObject({ exception: null, traceback: null });
    for (const task of all) if (task.started !== null && task.received !== null) expect(task.started, task.uuid).toBeGreaterThanOrEqual(task.received);
    const failures = all.filter((task) => task.state === 'FAILURE' && task.started !== null);
    for (const task of failures) expect(task, task.uuid).toMatchObject({ runtime: expect.any(Number), runtime_source: 'started-failed' });
  }, 60_000);

  it('draws its chord whole: 5 images.thumbnail header tasks under their group, reports.aggregate after them', async () => {
    const aggregate = await until('a chord body that ran', async () => ((await pollen.request('/api/v1/tasks?name=reports.aggregate&state=SUCCESS&limit=1')).body as TaskPage).tasks[0], 30_000);
    const graph = (await pollen.request(`/api/v1/tasks/${aggregate.uuid}/workflow`)).body as Workflow;
    const group = graph.nodes.find((node) => node.kind === 'group');
    expect(group, JSON.stringify(graph)).toBeDefined();
    expect(graph.root).toBe(group?.id);
    const headers = graph.edges.filter((edge) => edge.kind === 'group').map((edge) => edge.to);
    expect(headers).toHaveLength(5);
    for (const id of headers) expect(graph.nodes.find((node) => node.id === id)?.name).toBe('images.thumbnail');
    expect(graph.edges.filter((edge) => edge.kind === 'chord' && edge.to === aggregate.uuid).map((edge) => edge.from).sort()).toEqual([...headers].sort());
  }, 60_000);

  it('reports PROGRESS from the long report', async () => {
    const progress = await until('a report in PROGRESS', async () => {
      const { body } = await pollen.request('/api/v1/tasks?name=reports.generate&state=STARTED&limit=5');
      for (const task of (body as TaskPage).tasks) {
        const detail = (await pollen.request(`/api/v1/tasks/${task.uuid}`)).body as TaskDetail;
        const meta = detail.backend?.meta;
        if (meta?.['status'] === 'PROGRESS') return meta['result'] as { current: number; total: number };
      }
      return null;
    }, 30_000);
    expect(progress.total).toBeGreaterThan(0);
    expect(progress.current).toBeGreaterThan(0);
  }, 60_000);

  it('takes its flapping worker offline and brings it back', async () => {
    const state = pollen.server.context.store;
    await until('ai@demo offline', () => state.worker('ai@demo')?.alive(Date.now() / 1000) === false, 30_000);
    await until('ai@demo back online', () => state.worker('ai@demo')?.alive(Date.now() / 1000) === true, 30_000);
  }, 70_000);
});
