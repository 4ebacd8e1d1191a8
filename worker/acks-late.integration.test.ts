/**
 * acks_late on Pollen's TypeScript worker, with real brokers: a `pollen worker` killed with SIGKILL in the
 * middle of an acks-late task leaves the message unacknowledged, and a new worker gets it again and
 * completes it (SUCCESS, stored by the new worker). A task acked early (Celery's default) is lost with the
 * worker, as in Celery.
 *
 * Redis: the message waits in kombu's `unacked` hash until the visibility timeout has passed
 * (`?visibility_timeout=2` on the broker URL, kombu's transport option), then is restored to its queue.
 * RabbitMQ: the broker requeues it as soon as the dead worker's connection is gone.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names } from '@/lib/celery';
import { startRabbit, type RabbitServer } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { type PythonOptions, pythonJson, startTsWorker, type TsWorker } from '@/test/harness/ts-worker';
import { until } from '@/test/harness/until';

const APP = 'test/fixtures/ts-worker/late-tasks.ts';
/** Long enough to be killed in the middle; short enough for the second worker to finish soon. */
const TASK_SECONDS = 1.5;
const VISIBILITY_TIMEOUT = 2;

for (const brokerKind of ['redis', 'amqp'] as const) {
  describe(`acks-late over ${brokerKind}: a task on a worker killed with SIGKILL is redelivered and completes`, () => {
    let redis: RedisServer;
    let rabbit: RabbitServer | undefined;
    let broker: Redis;
    let backend: Redis;
    let python: PythonOptions;
    let workerBroker: string;
    const workers: TsWorker[] = [];

    beforeAll(async () => {
      redis = await startRedis();
      if (brokerKind === 'amqp') rabbit = await startRabbit();
      python = { broker: rabbit ? rabbit.url() : redis.url(0), backend: redis.url(1) };
      workerBroker = rabbit ? rabbit.url() : `${redis.url(0)}?visibility_timeout=${VISIBILITY_TIMEOUT}`;
      broker = new Redis(redis.url(0));
      backend = new Redis(redis.url(1));
    });

    afterAll(async () => {
      for (const worker of workers) await worker.stop();
      broker?.disconnect();
      backend?.disconnect();
      await rabbit?.stop();
      await redis?.stop();
    });

    const start = async (): Promise<TsWorker> => {
      const worker = await startTsWorker({ app: APP, broker: workerBroker, backend: redis.url(1), concurrency: 2 });
      workers.push(worker);
      return worker;
    };
    const status = async (id: string): Promise<{ status: string; worker?: string; result?: unknown } | null> => {
      const raw = await backend.get(names.taskMetaKey(id));
      return raw ? (JSON.parse(raw) as { status: string; worker?: string; result?: unknown }) : null;
    };

    it('redelivers the acks-late task to the next worker, and loses the early-acked one', async () => {
      const first = await start();
      const { ids } = await pythonJson<{ ids: [string, string] }>(
        'worker_client.py',
        ['send', JSON.stringify([{ name: 'late.sleep', args: [TASK_SECONDS] }, { name: 'early.sleep', args: [TASK_SECONDS] }])],
        python,
      );
      const [late, early] = ids;
      // Both run on the first worker (STARTED is stored when a run begins).
      await until('both tasks to start', async () => (await status(late))?.status === 'STARTED' && (await status(early))?.status === 'STARTED', 15_000);
      if (brokerKind === 'redis') {
        // kombu's ack emulation: the late one is reserved in the unacked hash, the early one was acked.
        expect(await broker.hlen('unacked')).toBe(1);
      }
      first.signal('SIGKILL');
      expect(await first.exited()).toBe('SIGKILL');
      const killedAt = Date.now();

      const second = await start();
      const done = await until('the late task to complete on the second worker', async () => {
        const meta = await status(late);
        return meta?.status === 'SUCCESS' ? meta : null;
      }, 30_000);
      expect(done).toMatchObject({ worker: second.hostname, result: { slept: TASK_SECONDS, by: second.hostname } });
      // Restored (Redis: after the visibility timeout), then run again in full.
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(TASK_SECONDS * 1000);
      // An acks-late task is acked just after its result is stored: wait for that ack.
      if (brokerKind === 'redis') await until('the late task acked', async () => (await broker.hlen('unacked')) === 0, 5_000);
      // Python reads the same outcome.
      const report = await pythonJson<{ state: string; result: unknown }>('worker_client.py', ['wait', late, '5'], python);
      expect(report).toMatchObject({ state: 'SUCCESS', result: { slept: TASK_SECONDS, by: second.hostname } });
      // The early-acked task went down with the first worker: nobody runs it again (its STARTED stays).
      expect((await status(early))?.status).toBe('STARTED');
    });
  });
}
