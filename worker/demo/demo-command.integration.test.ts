/**
 * `pollen demo --broker redis://…` and `--broker amqp://…`: the same demo workers and traffic on a real
 * Redis and a real RabbitMQ, and a real Python Celery worker started on that broker shows up beside them.
 */
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskPage } from '@/lib/api/tasks';
import { startCeleryWorker } from '@/test/harness/celery-worker';
import { type Child, startChild } from '@/test/harness/child';
import { freePort } from '@/test/harness/free-port';
import { type RabbitServer, startRabbit } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { DEMO_QUEUES } from './demo-queues';

const BIN = fileURLToPath(new URL('../../server/cli/bin.mjs', import.meta.url));
const DEMO_WORKERS = ['shop@demo', 'batch@demo', 'crawler@demo', 'ai@demo'];

/**
 * Returned before it is ready, so that afterAll can stop it even when it never gets there. `args`
 * replaces the explicit `--address 127.0.0.1`: the demo on Redis runs on its default address.
 */
function startDemo(broker: string, port: number, args: readonly string[] = ['--address', '127.0.0.1']): Child {
  // CELERY_BROKER_URL is ignored by the demo: only --broker points it at a real broker.
  return startChild(process.execPath, [BIN, 'demo', '--broker', broker, '--port', String(port), ...args], {
    env: { ...process.env, CELERY_BROKER_URL: 'redis://127.0.0.1:1/0', LOG_LEVEL: 'info' },
  });
}

const json = async <T>(base: string, path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;

async function expectOnline(base: string, workers: readonly string[]): Promise<void> {
  await until(`${workers.join(', ')} online`, async () => {
    const status = await json<Record<string, boolean>>(base, '/api/workers?status=true');
    return workers.every((name) => status[name] === true);
  }, 60_000);
}

async function expectDemoTraffic(base: string, broker: string): Promise<void> {
  const sent = await until(`demo e-mails sent over ${broker}`, async () => {
    const page = await json<TaskPage>(base, '/api/v1/tasks?name=emails.send&state=SUCCESS&limit=1');
    return page.tasks[0];
  }, 30_000);
  // On a real broker the demo stays on its own queues: real workers consume `celery`.
  expect(sent.queue).toBe(DEMO_QUEUES.default);
}

describe('pollen demo on a real Redis', () => {
  let redis: RedisServer;
  let demo: Child;
  let python: Child;
  let base: string;

  beforeAll(async () => {
    redis = await startRedis();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    demo = startDemo(redis.url(0), port, []);
    await demo.waitFor(/Pollen is running/, 180_000);
    // On a queue of its own: the demo's task names are not registered in test/python/tasks.py.
    python = await startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), nodename: 'py-demo@pollen', queues: ['python'], events: true });
  }, 240_000);

  afterAll(async () => {
    await python?.stop();
    await demo?.stop();
    await redis?.stop();
  });

  it('runs the demo workers and traffic there, with the Python worker beside them', async () => {
    await expectOnline(base, [...DEMO_WORKERS, 'py-demo@pollen']);
    await expectDemoTraffic(base, 'Redis');
    const server = await json<{ broker: string }>(base, '/api/v1/server');
    expect(server.broker).toBe(redis.url(0));
  }, 120_000);

  it('listens on 127.0.0.1 only, says so, and keeps its controls closed on the real broker', async () => {
    const port = Number(new URL(base).port);
    expect(demo.output()).toContain(`listening on 127.0.0.1:${port} (this machine only)`);
    // Reachable from this machine only: the machine's other addresses refuse the connection.
    const outside = Object.values(networkInterfaces()).flat().filter((nic) => nic !== undefined && !nic.internal && nic.family === 'IPv4');
    for (const nic of outside) {
      await expect(fetch(`http://${nic!.address}:${port}/healthcheck`), nic!.address).rejects.toThrow();
    }
    // Other workers on this broker would obey its pidbox: no control without credentials. A revoke of an
    // id nobody has is what would be harmless if it went through.
    const revoke = await fetch(`${base}/api/task/revoke/${randomUUID()}`, { method: 'POST' });
    expect(revoke.status).toBe(401);
    expect(await revoke.text()).toContain('--unauthenticated-api');
    const session = await json<{ controlsEnabled: boolean }>(base, '/api/v1/session');
    expect(session.controlsEnabled).toBe(false);
  });
});

describe('pollen demo on a real RabbitMQ', () => {
  let rabbit: RabbitServer;
  let demo: Child;
  let python: Child;
  let base: string;

  beforeAll(async () => {
    rabbit = await startRabbit();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    demo = startDemo(rabbit.url(), port);
    await demo.waitFor(/Pollen is running/, 180_000);
    // Celery's app needs some result backend, but nothing here reads the Python worker's results:
    // an in-process cache spares starting a Redis (rpc:// would also do, but adds reply queues on the broker).
    python = await startCeleryWorker({ broker: rabbit.url(), backend: 'cache+memory://', nodename: 'py-demo-amqp@pollen', queues: ['python'], events: true });
  }, 240_000);

  afterAll(async () => {
    await python?.stop();
    await demo?.stop();
    await rabbit?.stop();
  });

  it('runs the demo workers and traffic there, with the Python worker beside them', async () => {
    await expectOnline(base, [...DEMO_WORKERS, 'py-demo-amqp@pollen']);
    await expectDemoTraffic(base, 'AMQP');
    const server = await json<{ broker: string }>(base, '/api/v1/server');
    // As Celery and Flower print broker URLs: the password hidden, the rest as given.
    expect(server.broker).toBe(`amqp://guest:********@127.0.0.1:${rabbit.port}/%2F`);
  }, 120_000);
});
