/**
 * The collector against REAL Python Celery (Debian's python3-celery) on a real redis-server and a real
 * RabbitMQ: workers come and go, a scenario of tasks reaches the right final states, and a broker
 * restart is survived. Every check is made in-process (a Collector in this test) and through Flower's
 * HTTP endpoints of a `pollen --broker ...` process.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport, parseBrokerUrl } from '@/lib/broker';
import { type Child, startChild } from '@/test/harness/child';
import { runPython, startCeleryWorker } from '@/test/harness/celery-worker';
import { freePort } from '@/test/harness/free-port';
import { startRabbit } from '@/test/harness/rabbitmq-server';
import { startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { MemoryTaskStore } from '../store/memory-task-store';
import type { TaskRecord } from '../state/task-record';
import { Collector } from './collector';
import { testDataDir } from '@/test/harness/data-dir';

const BIN = new URL('../cli/bin.mjs', import.meta.url).pathname;
const SCENARIO = new URL('../../test/python/scenario.py', import.meta.url).pathname;
const SEND_ADD = new URL('../../test/python/send_add.py', import.meta.url).pathname;
const SEND_TASK = new URL('../../test/python/send_task.py', import.meta.url).pathname;

/** The task id a test/python script printed last. */
function printedId(output: string): string {
  return output.split('\n').filter((l) => /^[0-9a-f-]{36}$/.test(l.trim())).pop()?.trim() ?? '';
}

interface Broker {
  readonly url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const brokers: Record<string, (redisBackend: string) => Promise<Broker>> = {
  redis: async () => {
    const redis = await startRedis();
    return { url: redis.url(0), restart: () => redis.restart(), stop: () => redis.stop() };
  },
  amqp: async () => {
    const rabbit = await startRabbit();
    return { url: rabbit.url(), restart: () => rabbit.restart(), stop: () => rabbit.stop() };
  },
};

describe.each(Object.keys(brokers))('collector on %s with real Python workers', (kind) => {
  let backendServer: Awaited<ReturnType<typeof startRedis>>;
  let broker: Broker;
  let backend: string;
  let pollen: Child;
  let pollenUrl: string;
  let collector: Collector;
  const state = new MemoryTaskStore({ maxTasks: 10_000, purgeOfflineAfter: 3600 });
  let prefork: Child;
  let solo: Child;
  const preforkName = `prefork-${kind}@pollen`;
  const soloName = `solo-${kind}@pollen`;

  const http = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${pollenUrl}${path}`);
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    backendServer = await startRedis();
    backend = backendServer.url(1);
    broker = await (brokers[kind] as (b: string) => Promise<Broker>)(backend);
    const parsed = parseBrokerUrl(broker.url);
    if (!parsed.ok) throw new Error(parsed.error);
    collector = new Collector(createTransport(parsed.value), state, { enableEvents: false }, pino({ level: 'silent' }));
    await collector.start();
    const port = await freePort();
    pollenUrl = `http://127.0.0.1:${port}`;
    pollen = startChild(process.execPath, [BIN, '--broker', broker.url, '--port', String(port), '--address', '127.0.0.1', '--data-dir', testDataDir()]);
    await pollen.waitFor(/Pollen is running/, 180_000);
    [prefork, solo] = await Promise.all([
      startCeleryWorker({ broker: broker.url, backend, nodename: preforkName, pool: 'prefork', concurrency: 2, events: true }),
      startCeleryWorker({ broker: broker.url, backend, nodename: soloName, pool: 'solo', queues: ['solo'], events: true }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([prefork?.stop(), solo?.stop()]);
    await pollen?.stop();
    await collector?.stop();
    await broker?.stop();
    await backendServer?.stop();
  });

  it('sees both workers online, and heartbeats keep them online', async () => {
    await until('both workers online in-process', () => state.worker(preforkName)?.alive(Date.now() / 1000) && state.worker(soloName)?.alive(Date.now() / 1000));
    await until('both workers online over HTTP', async () => {
      const { body } = await http<Record<string, boolean>>('/api/workers?status=true');
      return body[preforkName] === true && body[soloName] === true;
    });
    // Longer than the 4 s expiry window: only heartbeats can keep them online.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(state.worker(preforkName)?.alive(Date.now() / 1000)).toBe(true);
    const { body } = await http<Record<string, { sw_ident: string; freq: number }>>('/api/workers');
    expect(body[preforkName]).toMatchObject({ sw_ident: 'py-celery', freq: 2 });
    // refresh=true inspects now: Flower's stats, registered and active_queues of the real worker, with their age.
    type Inspected = { stats: { pool: { 'max-concurrency': number } }; registered: string[]; active_queues: { name: string }[]; inspected_at: { stats: number } };
    const refreshed = await http<Record<string, Inspected>>(`/api/workers?refresh=true&workername=${encodeURIComponent(preforkName)}`);
    expect(Object.keys(refreshed.body)).toEqual([preforkName]);
    const prefork = refreshed.body[preforkName];
    expect(prefork?.stats.pool['max-concurrency']).toBeGreaterThan(0);
    expect(prefork?.registered).toContain('tasks.add');
    expect(prefork?.active_queues.map((q) => q.name)).toContain('celery');
    expect(Math.abs((prefork?.inspected_at.stats ?? 0) - Date.now() / 1000)).toBeLessThan(10);
    // Queue lengths for the queues the workers said they consume, from the broker itself.
    const lengths = await http<{ active_queues: { name: string; messages: number }[] }>('/api/queues/length');
    expect(lengths.status).toBe(200);
    expect(lengths.body.active_queues.map((q) => q.name)).toEqual(expect.arrayContaining(['celery', 'solo']));
    expect(lengths.body.active_queues.every((q) => Number.isInteger(q.messages) && q.messages >= 0)).toBe(true);
    const health = await http<{ broker: { status: string }; ingest: { eventsTotal: number; malformedTotal: number }; workers: number }>('/api/v1/health');
    expect(health.body.broker.status).toBe('connected');
    expect(health.body.ingest.eventsTotal).toBeGreaterThan(0);
    expect(health.body.ingest.malformedTotal).toBe(0);
  });

  it('gets task events from a worker started without -E, by broadcasting enable_events', async () => {
    const quiet = await startCeleryWorker({ broker: broker.url, backend, nodename: `quiet-${kind}@pollen`, queues: ['quiet'], events: false });
    try {
      // pollen broadcasts enable_events at start and every 5 s (this in-process collector does not);
      // without it the worker would run the task and send no task event at all.
      await new Promise((r) => setTimeout(r, 6_000));
      const sent = await runPython(SEND_ADD, { broker: broker.url, backend, args: ['quiet'], timeoutMs: 90_000 });
      const taskId = printedId(sent);
      await until('the task of the -E-less worker over HTTP', async () => (await http<{ state?: string; worker?: string }>(`/api/task/info/${taskId}`)).body.state === 'SUCCESS', 20_000);
    } finally {
      await quiet.stop();
    }
  });

  it('brings every kind of task to its final state with its fields', async () => {
    const output = await runPython(SCENARIO, { broker: broker.url, backend, timeoutMs: 90_000 });
    const started = JSON.parse(output.split('\n').filter((l) => l.startsWith('{')).pop() ?? '{}') as Record<string, string | string[]>;
    const id = (key: string): string => {
      const value = started[key];
      if (typeof value !== 'string') throw new Error(`the scenario printed no id for ${key}`);
      return value;
    };
    const idList = (key: string): string[] => {
      const value = started[key];
      if (!Array.isArray(value)) throw new Error(`the scenario printed no ids for ${key}`);
      return value;
    };
    const final = (taskId: string, status: string): Promise<TaskRecord> =>
      until(`task ${taskId} ${status}`, () => {
        const task = state.task(taskId);
        return task?.state === status ? task : undefined;
      }, 60_000);

    expect(await final(id('success'), 'SUCCESS')).toMatchObject({ name: 'tasks.add', args: '(2, 3)', kwargs: '{}', result: '5', worker: preforkName, retries: 0 });
    expect((await final(id('success'), 'SUCCESS')).runtime).toBeGreaterThan(0);
    expect((await http<{ 'task-types': string[] }>('/api/task/types')).body['task-types']).toEqual(expect.arrayContaining(['tasks.add', 'tasks.fail', 'tasks.flaky']));
    expect(await final(id('kwargs'), 'SUCCESS')).toMatchObject({ args: '()', kwargs: "{'x': 4, 'y': 5}", result: '9' });
    const failed = await final(id('failure'), 'FAILURE');
    expect(failed.exception).toBe("ValueError('scenario boom')");
    expect(failed.traceback).toContain('ValueError: scenario boom');
    const retried = await final(id('retried'), 'SUCCESS');
    expect(retried).toMatchObject({ retries: 2, result: "'ok after 2 retries'" });
    expect(retried.retryHistory?.map((a) => a.exception)).toEqual(["RuntimeError('transient failure')", "RuntimeError('transient failure')"]);
    expect(await final(id('revoked'), 'REVOKED')).toMatchObject({ received: null, started: null });
    expect(await final(id('terminated'), 'REVOKED')).toMatchObject({ terminated: true, signum: 15, name: 'tasks.sleep' });
    const eta = await final(id('eta'), 'SUCCESS');
    expect(eta.eta).not.toBeNull();
    expect(eta.result).toBe('20');
    expect(await final(id('expired'), 'REVOKED')).toMatchObject({ expired: true });
    const last = await final(id('chain_last'), 'SUCCESS');
    expect(last).toMatchObject({ result: '10', parentId: id('chain_middle'), rootId: id('chain_first') });
    for (const member of idList('group')) expect((await final(member, 'SUCCESS')).name).toBe('tasks.add');
    for (const member of idList('chord_header')) await final(member, 'SUCCESS');
    expect(await final(id('chord_body'), 'SUCCESS')).toMatchObject({ name: 'tasks.tsum', result: '6' });

    // The same through Flower's endpoints.
    const info = await http<Record<string, unknown>>(`/api/task/info/${id('failure')}`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ uuid: id('failure'), state: 'FAILURE', name: 'tasks.fail', exception: "ValueError('scenario boom')", worker: preforkName });
    const chainFirst = await http<{ children: string[] }>(`/api/task/info/${id('chain_first')}`);
    expect(chainFirst.body.children).toContain(id('chain_middle'));
    const revoked = await http<Record<string, { uuid: string }>>('/api/tasks?state=REVOKED');
    expect(Object.keys(revoked.body)).toEqual(expect.arrayContaining([id('revoked'), id('terminated'), id('expired')]));
    const sleeps = await http<Record<string, unknown>>('/api/tasks?taskname=tasks.sleep&limit=5');
    expect(Object.keys(sleeps.body)).toEqual([id('terminated')]);
  });

  it('marks a SIGKILLed worker offline within the expiry window', async () => {
    const killedAt = Date.now();
    solo.process.kill('SIGKILL');
    await until('solo offline in-process', () => state.worker(soloName)?.offlineSince !== null, 10_000);
    await until('solo offline over HTTP', async () => (await http<Record<string, boolean>>('/api/workers?status=true')).body[soloName] === false, 10_000);
    // 2 × freq (4 s) after its last heartbeat, plus the 1 s sweep.
    expect(Date.now() - killedAt).toBeLessThan(7_000);
  });

  it('marks the task a killed worker was running as lost, not STARTED for ever', async () => {
    const doomedName = `doomed-${kind}@pollen`;
    // Its own process group, so that SIGKILL takes the pool children too (as an OOM kill of a container).
    const doomed = await startCeleryWorker({ broker: broker.url, backend, nodename: doomedName, pool: 'prefork', queues: ['doomed'], events: true, detached: true });
    try {
      const sent = await runPython(SEND_TASK, { broker: broker.url, backend, args: ['tasks.sleep', 'doomed', '[30]'] });
      const running = printedId(sent);
      await until('the sleep task started', () => state.task(running)?.state === 'STARTED', 30_000);
      process.kill(-(doomed.process.pid as number), 'SIGKILL');
      await until('the task lost', () => state.task(running)?.lost === true, 10_000);
      expect(state.task(running)?.state).toBe('STARTED');
      expect(state.worker(doomedName)?.alive(Date.now() / 1000)).toBe(false);
      await until('lost over HTTP', async () => (await http<{ lost?: boolean }>(`/api/task/info/${running}`)).body.lost === true, 10_000);
    } finally {
      await doomed.stop();
    }
  });

  it('reconnects by itself after the broker restarts, and tasks run afterwards appear', async () => {
    const restarting = Date.now();
    await broker.restart();
    await until('collector reconnected', () => collector.transport.state().status === 'connected', 60_000);
    expect(collector.health.snapshot(Date.now()).gapsTotal).toBeGreaterThan(0);
    // The pollen process reconnects on its own schedule: a task sent before it is back falls in its gap
    // (nothing can tell of a task sent and finished while it was away), so the task goes once it is back.
    await until('the pollen process reconnected', async () => {
      const health = (await http<{ broker: { status: string }; ingest: { lastGap: { to: number } | null } }>('/api/v1/health')).body;
      return health.broker.status === 'connected' && (health.ingest.lastGap?.to ?? 0) >= restarting;
    }, 60_000);
    // The Python worker reconnects too; then a new task must reach both collectors.
    const sent = await runPython(SEND_ADD, { broker: broker.url, backend, timeoutMs: 90_000 });
    const taskId = printedId(sent);
    await until('task after restart, in-process', () => state.task(taskId)?.state === 'SUCCESS', 60_000);
    let shown: unknown = null;
    await until('task after restart, over HTTP', async () => {
      shown = (await http<{ state?: string }>(`/api/task/info/${taskId}`)).body;
      return (shown as { state?: string }).state === 'SUCCESS';
    }, 30_000).catch(async (err: Error) => {
      // What the pollen process knew and said, so that a failure here can be told from the log alone.
      const health = (await http<unknown>('/api/v1/health').catch(() => ({ body: 'no answer' }))).body;
      throw new Error(`${err.message}\nthe task over HTTP: ${JSON.stringify(shown)}\nhealth: ${JSON.stringify(health)}\nthe pollen process said:\n${pollen.output().slice(-4000)}`);
    });
  });

  it('marks a worker offline at once when it shuts down cleanly', async () => {
    expect(state.worker(preforkName)?.alive(Date.now() / 1000)).toBe(true);
    prefork.process.kill('SIGTERM');
    // worker-offline arrives well before the 4 s expiry could.
    await until('prefork offline', () => state.worker(preforkName)?.offlineSince != null && !state.worker(preforkName)?.alive(Date.now() / 1000), 10_000);
    expect(state.worker(preforkName)?.heartbeats).toEqual([]);
  });
});
