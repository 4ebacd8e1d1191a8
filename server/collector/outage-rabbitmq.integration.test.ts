/**
 * Issue 15's broker outage on RabbitMQ: the node is down for 20 s under a real Python Celery worker and a
 * TS worker running tasks (results in Redis). No living worker was shown offline, no task of theirs was
 * marked lost, and every task shows the final state the backend holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBackendStates, type OutageCluster, startOutageCluster, watchOutage } from '@/test/harness/outage-watch';
import { type RabbitServer, startRabbit } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';

describe('a RabbitMQ outage under running tasks', () => {
  let rabbit: RabbitServer;
  let results: RedisServer;
  let cluster: OutageCluster;
  const [PY, TS] = ['py-rabbit-outage@pollen', 'ts-rabbit-outage@pollen'];

  beforeAll(async () => {
    [rabbit, results] = await Promise.all([startRabbit(), startRedis()]);
    cluster = await startOutageCluster(rabbit.url(), results.url(0), 'rabbit-outage');
  });

  afterAll(async () => {
    await cluster?.stop();
    await Promise.all([rabbit?.stop(), results?.stop()]);
  });

  it('while the node is paused (SIGSTOP): noticed by the connection heartbeat, an outage and not dead workers', async () => {
    const { pollen } = cluster;
    const tasks = await cluster.inFlight([3, 25]);
    const watch = watchOutage(pollen, [PY, TS], tasks);
    const pausedAt = Date.now();
    rabbit.pause();
    try {
      await until('the stall seen', async () => ((await pollen.request('/api/v1/health')).body as { broker: { status: string } }).broker.status === 'reconnecting', 20_000);
      const workers = (await pollen.request('/api/workers?refresh=false')).body as Record<string, { status: string }>;
      expect(workers[PY]?.status).toBe('unknown');
      expect(workers[TS]?.status).toBe('unknown');
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, pausedAt + 20_000 - Date.now())));
    } finally {
      rabbit.resume();
    }
    await expectBackendStates(pollen, results.url(0), tasks, 90_000);
    watch.stop();
    expect(watch.offline).toEqual([]);
    expect(watch.lost).toEqual([]);
  }, 180_000);

  it('down for 20 s: workers unknown meanwhile, none offline, no task lost, every final state from the backend', async () => {
    const { pollen } = cluster;
    const tasks = await cluster.inFlight([4, 9, 30]);
    const watch = watchOutage(pollen, [PY, TS], tasks);
    const downAt = Date.now();
    await rabbit.halt();
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const workers = (await pollen.request('/api/workers?refresh=false')).body as Record<string, { status: string; alive: boolean }>;
    expect(workers[PY]).toMatchObject({ status: 'unknown', alive: true });
    expect(workers[TS]).toMatchObject({ status: 'unknown', alive: true });
    // The node takes several seconds to boot: it answers again about 20 s after it went down.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, downAt + 12_000 - Date.now())));
    await rabbit.start();
    await expectBackendStates(pollen, results.url(0), tasks, 90_000);
    watch.stop();
    expect(watch.offline).toEqual([]);
    expect(watch.lost).toEqual([]);
    const health = (await pollen.request('/api/v1/health')).body as { ingest: { lastGap: { from: number; to: number; reason: string } } };
    expect(health.ingest.lastGap.from).toBeLessThanOrEqual(downAt + 1_000);
    expect(health.ingest.lastGap.to).toBeGreaterThanOrEqual(downAt + 15_000);
  }, 180_000);
});
