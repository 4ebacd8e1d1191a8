/**
 * Issue 15, "Pollen must not believe its own blindness", on a real Redis broker with a real Python Celery
 * worker and a TS worker running tasks, the result backend on a Redis of its own: Redis drops Pollen's
 * subscriber for its output buffer, Redis is paused with SIGSTOP, Redis is down for 20 s. After each, no
 * living worker was shown offline, no task of theirs was marked lost, and every task shows the final
 * state the backend holds.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_DIR } from '@/test/harness/celery-worker';
import { expectBackendStates, type OutageCluster, startOutageCluster, watchOutage } from '@/test/harness/outage-watch';
import type { TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';

describe('a Redis broker outage under running tasks', () => {
  let broker: RedisServer;
  let results: RedisServer;
  let cluster: OutageCluster;
  let pollen: TestPollen;
  const [PY, TS] = ['py-outage@pollen', 'ts-outage@pollen'];

  beforeAll(async () => {
    [broker, results] = await Promise.all([startRedis(), startRedis()]);
    cluster = await startOutageCluster(broker.url(0), results.url(0), 'outage');
    pollen = cluster.pollen;
  });

  afterAll(async () => {
    await cluster?.stop();
    await Promise.all([broker?.stop(), results?.stop()]);
  });

  it('after Redis drops the subscriber for its output buffer: the gap is told truly and the tasks settle', async () => {
    const tasks = await cluster.inFlight([2]);
    const watch = watchOutage(pollen, [PY, TS], tasks);
    const admin = new Redis(broker.url(0));
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 256kb 128kb 1');
    const gapsBefore = pollen.server.context.collector?.health.snapshot(Date.now()).gapsTotal ?? 0;
    // Another process floods the event channel while this one (Pollen's) is too busy to read: Redis drops
    // the subscriber, and with it the task-succeeded events of the tasks that end meanwhile. Then it has
    // Python send one more task, whose task-received and task-started Pollen cannot hear: it is learnt from
    // the worker's answer to inspect active.
    const flood = spawn(process.execPath, ['-e', `
      const { execFileSync } = require('node:child_process');
      const { Redis } = require('ioredis');
      const r = new Redis(process.argv[1]);
      const p = r.pipeline();
      for (let i = 0; i < 20000; i++) p.publish('/0.celeryev/worker.heartbeat', 'x'.repeat(1024));
      p.exec().then(() => r.quit()).then(() => {
        process.stdout.write(execFileSync('/usr/bin/python3', ['send_task.py', 'tasks.sleep', 'py', '[12]'], { cwd: process.env.PYTHONPATH }));
      });
    `, broker.url(0)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PYTHONPATH: PYTHON_DIR, POLLEN_TEST_BROKER: broker.url(0), POLLEN_TEST_BACKEND: results.url(0) } });
    let sent = '';
    flood.stdout.on('data', (chunk: Buffer) => (sent += chunk.toString()));
    const stoppedReading = Date.now();
    while (Date.now() < stoppedReading + 5_000) {
      // Deliberately blocks the event loop: Pollen is the slow subscriber.
    }
    await new Promise<void>((resolve) => flood.once('exit', () => resolve()));
    const unheardId = sent.trim();
    expect(unheardId).toMatch(/^[0-9a-f-]{36}$/);
    await until('the unheard task learnt from inspect', () => pollen.server.context.store.task(unheardId)?.settled?.source === 'inspect', 15_000);
    expect(pollen.server.context.store.task(unheardId)).toMatchObject({ state: 'STARTED', name: 'tasks.sleep', worker: PY, lost: false });
    tasks.push({ id: unheardId, worker: PY });
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    admin.disconnect();
    await expectBackendStates(pollen, results.url(0), tasks);
    watch.stop();
    expect(watch.offline).toEqual([]);
    expect(watch.lost).toEqual([]);
    const health = (await pollen.request('/api/v1/health')).body as { ingest: { gapsTotal: number; lastGap: { from: number; reason: string } } };
    expect(health.ingest.gapsTotal).toBeGreaterThan(gapsBefore);
    expect(health.ingest.lastGap.reason).toMatch(/output buffer/);
    expect(health.ingest.lastGap.from).toBeLessThanOrEqual(stoppedReading);
  }, 120_000);

  it('while Redis is paused (SIGSTOP): an outage, not dead workers', async () => {
    const tasks = await cluster.inFlight([3, 14]);
    const watch = watchOutage(pollen, [PY, TS], tasks);
    broker.pause();
    try {
      await until('the stall seen', async () => ((await pollen.request('/api/v1/health')).body as { broker: { status: string } }).broker.status === 'reconnecting', 8_000);
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      const workers = (await pollen.request('/api/workers?refresh=false')).body as Record<string, { status: string }>;
      expect(workers[PY]?.status).toBe('unknown');
      expect(workers[TS]?.status).toBe('unknown');
    } finally {
      broker.resume();
    }
    await expectBackendStates(pollen, results.url(0), tasks);
    watch.stop();
    expect(watch.offline).toEqual([]);
    expect(watch.lost).toEqual([]);
  }, 120_000);

  it('down for 20 s: workers unknown meanwhile, none offline, no task lost, every final state from the backend', async () => {
    const tasks = await cluster.inFlight([4, 9, 26]);
    const watch = watchOutage(pollen, [PY, TS], tasks);
    await broker.stop();
    const downAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const during = (await pollen.request('/api/v1/health')).body as { broker: { status: string; error: string } };
    expect(during.broker.status).toBe('reconnecting');
    const workers = (await pollen.request('/api/workers?refresh=false')).body as Record<string, { status: string; alive: boolean }>;
    expect(workers[PY]).toMatchObject({ status: 'unknown', alive: true });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, downAt + 20_000 - Date.now())));
    await broker.start();
    await expectBackendStates(pollen, results.url(0), tasks, 90_000);
    watch.stop();
    expect(watch.offline).toEqual([]);
    expect(watch.lost).toEqual([]);
    // The gap is this outage's, and it covers it.
    const health = (await pollen.request('/api/v1/health')).body as { ingest: { lastGap: { from: number; to: number; reason: string } } };
    expect(health.ingest.lastGap.from).toBeLessThanOrEqual(downAt);
    expect(health.ingest.lastGap.to).toBeGreaterThanOrEqual(downAt + 20_000);
    expect(health.ingest.lastGap.reason).not.toMatch(/output buffer|stopped answering/);
  }, 180_000);
});
