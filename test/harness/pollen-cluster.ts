/**
 * For the Flower API integration tests: a real broker (redis-server, or RabbitMQ with Redis as result
 * backend), a Pollen server on it, and real Python Celery workers with events on, which Pollen has seen
 * come online. Pollen starts first, so that it hears the workers' worker-online events.
 */
import type { ConfigInput } from '@/server/config';
import { type Child } from './child';
import { type CeleryWorkerOptions, startCeleryWorker } from './celery-worker';
import { startPollen, type TestPollen } from './pollen-server';
import { startRabbit } from './rabbitmq-server';
import { startRedis } from './redis-server';
import { until } from './until';
import type { PythonOptions } from './ts-worker';

export const BROKER_KINDS = ['redis', 'amqp'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

export type WorkerSpec = Omit<CeleryWorkerOptions, 'broker' | 'backend' | 'events' | 'nodename'> & { readonly nodename: string };

export interface TestCluster {
  readonly broker: string;
  readonly backend: string;
  /** For test/python scripts (worker_control.py ...). */
  readonly python: PythonOptions;
  readonly pollen: TestPollen;
  readonly workers: ReadonlyMap<string, Child>;
  /** Stops everything it started, workers first. */
  stop(): Promise<void>;
}

/** Replies from the workers take longer on a loaded 2-core machine than Flower's 1 s default. */
const INSPECT_TIMEOUT_MS = 2000;

export async function startCluster(kind: BrokerKind, specs: readonly WorkerSpec[], pollenConfig: Partial<ConfigInput> = {}): Promise<TestCluster> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const close of stops.splice(0).reverse()) await close().catch(() => undefined);
  };
  try {
    const [redis, rabbit] = await Promise.all([startRedis(), kind === 'amqp' ? startRabbit() : Promise.resolve(null)]);
    stops.push(() => redis.stop());
    if (rabbit) stops.push(() => rabbit.stop());
    const broker = rabbit ? rabbit.url() : redis.url(0);
    const backend = redis.url(1);
    const pollen = await startPollen({ broker, resultBackend: backend, inspectTimeout: INSPECT_TIMEOUT_MS, ...pollenConfig });
    stops.push(() => pollen.close());
    const workers = new Map<string, Child>();
    await Promise.all(
      specs.map(async (spec) => {
        const worker = await startCeleryWorker({ ...spec, broker, backend, events: true });
        workers.set(spec.nodename, worker);
        stops.push(() => worker.stop());
      }),
    );
    const state = pollen.server.context.store;
    await until('Pollen to see every worker online', () => specs.every((s) => state.worker(s.nodename) !== undefined), 30_000);
    return { broker, backend, python: { broker, backend }, pollen, workers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
