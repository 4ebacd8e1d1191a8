/**
 * Pollen remembers across a crash: a real Python Celery worker on a real redis-server runs tasks, `pollen`
 * (the CLI, SQLite history) is killed with SIGKILL and started again on the same file. Every task, state,
 * timeline (a retried task's every attempt), worker and its counters come back; the task in flight at the
 * kill is settled from the result backend; a task that ran while Pollen was down appears once its later
 * events arrive; and the time Pollen was not listening is recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskDetail, TaskPage } from '@/lib/api/tasks';
import { type Child, startChild } from '@/test/harness/child';
import { runPython, startCeleryWorker } from '@/test/harness/celery-worker';
import { freePort } from '@/test/harness/free-port';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';

const BIN = new URL('../cli/bin.mjs', import.meta.url).pathname;
const SEND_TASK = new URL('../../test/python/send_task.py', import.meta.url).pathname;
const BACKEND_CLIENT = new URL('../../test/python/backend_client.py', import.meta.url).pathname;

interface FlowerWorker {
  readonly 'task-succeeded': number;
  readonly 'task-failed': number;
  readonly 'task-retried': number;
}

describe('durable history: SIGKILL and restart with a real Python worker', () => {
  let redis: RedisServer;
  let worker: Child;
  let pollen: Child;
  let url = '';
  const dir = mkdtempSync(join(tmpdir(), 'pollen-restart-'));
  const db = join(dir, 'history.db');
  const workerName = `restart-${process.pid}@pollen`;
  const ids: Record<string, string> = {};

  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const send = async (name: string, args: unknown[]): Promise<string> => {
    const out = await runPython(SEND_TASK, { broker: redis.url(0), backend: redis.url(1), args: [name, 'celery', JSON.stringify(args)] });
    return out.split('\n').filter((l) => /^[0-9a-f-]{36}$/.test(l.trim())).pop()?.trim() ?? '';
  };
  const startPollen = async (): Promise<void> => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    pollen = startChild(process.execPath, [BIN, '--broker', redis.url(0), '--result-backend', redis.url(1), '--db', db, '--port', String(port), '--address', '127.0.0.1'], {
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    await pollen.waitFor(/Pollen is running/, 180_000);
  };
  const state = async (id: string): Promise<string | undefined> => (await get<TaskDetail>(`/api/v1/tasks/${id}`)).task?.state;

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), nodename: workerName, pool: 'prefork', concurrency: 2, events: true });
    await startPollen();
  });

  afterAll(async () => {
    await pollen?.stop();
    await worker?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let before: { page: TaskPage; timelines: Record<string, TaskDetail['timeline']>; worker: FlowerWorker };

  it('runs tasks while Pollen listens: finished ones, a retried one, and one in flight', async () => {
    for (let i = 0; i < 4; i++) ids[`add${i}`] = await send('tasks.add', [i, i]);
    ids['fail'] = await send('tasks.fail', ['kaboom']);
    ids['flaky'] = await send('tasks.flaky', [2]);
    ids['long'] = await send('tasks.sleep', [8]);
    const finished = ['add0', 'add1', 'add2', 'add3', 'fail', 'flaky'];
    await until('the finished tasks finished in Pollen', async () => {
      const states = await Promise.all(finished.map((k) => state(ids[k] as string)));
      return states.every((s) => s === 'SUCCESS' || s === 'FAILURE') && (await state(ids['long'] as string)) === 'STARTED';
    }, 60_000);
    const page = await get<TaskPage>('/api/v1/tasks?limit=100');
    const timelines: Record<string, TaskDetail['timeline']> = {};
    for (const [key, id] of Object.entries(ids)) timelines[key] = (await get<TaskDetail>(`/api/v1/tasks/${id}`)).timeline;
    // Every attempt of the retried task: received and started twice or more, each task-retried numbered.
    expect(timelines['flaky']?.filter((e) => e.type === 'task-retried').map((e) => e.retries)).toEqual([0, 1]);
    expect(timelines['flaky']?.filter((e) => e.type === 'task-received').length).toBe(3);
    const workers = await get<Record<string, FlowerWorker>>('/api/workers');
    before = { page, timelines, worker: workers[workerName] as FlowerWorker };
    expect(before.worker['task-succeeded']).toBeGreaterThanOrEqual(5);
  });

  it('comes back after SIGKILL with every task, state, timeline, worker and counter', async () => {
    // Past one flush interval: what was seen is on disk.
    await new Promise((r) => setTimeout(r, 600));
    pollen.process.kill('SIGKILL');
    await until('pollen gone', () => pollen.process.exitCode !== null || pollen.process.signalCode !== null);
    const killedAt = Date.now() / 1000;
    // While Pollen is down the long task finishes (its events are lost), and another one starts.
    ids['whileDown'] = await send('tasks.sleep', [12]);
    // Waits for the long task's result in the backend: it finished while no one listened.
    await runPython(BACKEND_CLIENT, { broker: redis.url(0), backend: redis.url(1), args: ['get', '--timeout', '30', ids['long'] as string] });
    await startPollen();

    const page = await get<TaskPage>('/api/v1/tasks?limit=100');
    const known = new Set(page.tasks.map((t) => t.uuid));
    for (const task of before.page.tasks) expect(known.has(task.uuid), task.uuid).toBe(true);
    for (const key of ['add0', 'add1', 'add2', 'add3', 'fail', 'flaky']) {
      const detail = await get<TaskDetail>(`/api/v1/tasks/${ids[key]}`);
      expect(detail.task?.state).toBe(before.page.tasks.find((t) => t.uuid === ids[key])?.state);
      expect(detail.timeline).toEqual(before.timelines[key]);
    }
    // Flower's task info and list answer from the same history.
    const info = await get<{ state: string; retries: number }>(`/api/task/info/${ids['flaky']}`);
    expect(info.state).toBe('SUCCESS');
    // The worker is listed with the counters it had, and is online again at its next heartbeat.
    const workers = await get<Record<string, FlowerWorker>>('/api/workers');
    expect(workers[workerName]?.['task-succeeded']).toBeGreaterThanOrEqual(before.worker['task-succeeded']);
    expect(workers[workerName]?.['task-failed']).toBeGreaterThanOrEqual(before.worker['task-failed']);
    await until('the worker online again', async () => (await get<Record<string, boolean>>('/api/workers?status=true'))[workerName] === true);

    // In flight at the kill, finished while Pollen was down: settled from the result backend.
    await until('the long task settled from the backend', async () => (await state(ids['long'] as string)) === 'SUCCESS', 30_000);
    // Sent while Pollen was down: it appears once its later events arrive.
    await until('the task sent while Pollen was down appears', async () => {
      const response = await fetch(`${url}/api/v1/tasks/${ids['whileDown']}`);
      return response.ok && ((await response.json()) as TaskDetail).task?.state === 'SUCCESS';
    }, 30_000);

    // The time Pollen was not listening is recorded.
    const health = await get<{ history: { where: string; state: string; notListening: { from: number; to: number }[] } }>('/api/v1/health');
    expect(health.history.where).toBe(db);
    expect(health.history.state).toBe('writing');
    const gap = health.history.notListening[0];
    expect(gap?.from).toBeLessThanOrEqual(killedAt);
    expect(gap?.to).toBeGreaterThan(killedAt);

    // New tasks number on from the old ones: the default order puts them first.
    const fresh = await send('tasks.add', [40, 2]);
    await until('a new task after the restart', async () => (await state(fresh)) === 'SUCCESS');
    const newest = await get<TaskPage>('/api/v1/tasks?limit=1');
    expect(newest.tasks[0]?.uuid).toBe(fresh);
  });
});
