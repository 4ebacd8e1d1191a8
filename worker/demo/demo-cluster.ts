/**
 * `pollen demo`'s cluster: four reference TS workers with different queues, concurrency and prefetch, the demo
 * traffic, and one worker that goes offline now and then and comes back, as real workers do on deploys.
 * It runs on any broker: the in-process one by default, or a real Redis or RabbitMQ.
 */
import type { Logger } from 'pino';
import { createResultBackend } from '@/lib/backend';
import { createTransport, parseBrokerUrl } from '@/lib/broker';
import { Client } from '../client/client';
import { Worker } from '../worker';
import { DEMO_QUEUES } from './demo-queues';
import { demoApp } from './demo-tasks';
import { DemoTraffic, type TrafficOptions } from './demo-traffic';

export interface DemoClusterOptions {
  readonly broker: string;
  readonly resultBackend: string;
  readonly log: Logger;
  readonly traffic?: TrafficOptions;
  /** The flapping worker's rhythm: online this long, then offline `offlineMs`. */
  readonly onlineMs?: number;
  readonly offlineMs?: number;
}

export interface DemoCluster {
  /** The workers' node names. */
  readonly workers: readonly string[];
  readonly traffic: DemoTraffic;
  stop(): Promise<void>;
}

interface WorkerPlan {
  readonly hostname: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  /** Celery's worker_prefetch_multiplier; 1 for long or rate-limited work, so it waits in the queue. */
  readonly prefetchMultiplier: number;
}

const PLANS: readonly WorkerPlan[] = [
  { hostname: 'shop@demo', queues: [DEMO_QUEUES.default, DEMO_QUEUES.high], concurrency: 8, prefetchMultiplier: 4 },
  { hostname: 'batch@demo', queues: [DEMO_QUEUES.default, DEMO_QUEUES.reports], concurrency: 4, prefetchMultiplier: 4 },
  { hostname: 'crawler@demo', queues: [DEMO_QUEUES.low], concurrency: 2, prefetchMultiplier: 1 },
  { hostname: 'ai@demo', queues: [DEMO_QUEUES.ai], concurrency: 2, prefetchMultiplier: 1 },
];
const FLAPPING = 'ai@demo';

/**
 * Results are kept 5 minutes (Celery's result_expires, a day by default): the demo runs for as long as
 * anyone likes, and its in-process backend must not grow with it.
 */
export const DEMO_RESULT_EXPIRES = 300;

export async function startDemoCluster(options: DemoClusterOptions): Promise<DemoCluster> {
  const { broker, log } = options;
  const url = parseBrokerUrl(broker);
  if (!url.ok) throw new Error(`--broker: ${url.error}`);
  // One backend for the whole demo, as the workers share the process.
  const backend = createResultBackend(options.resultBackend, { expires: DEMO_RESULT_EXPIRES });
  // A task a second per worker at info level would drown the server's own log.
  const workerLog = log.child({ scope: 'demo' }, { level: 'warn' });
  const start = async (plan: WorkerPlan): Promise<Worker> => {
    const worker = new Worker({
      app: demoApp,
      broker,
      backend,
      hostname: plan.hostname,
      queues: plan.queues,
      concurrency: plan.concurrency,
      prefetchMultiplier: plan.prefetchMultiplier,
      // Retries, chain steps and chord bodies are announced too, so they show PENDING while they wait.
      sendSentEvents: true,
      logger: workerLog,
    });
    await worker.start();
    return worker;
  };
  const running = new Map<string, Worker>();
  for (const plan of PLANS) running.set(plan.hostname, await start(plan));

  // The traffic announces what it sends (task_send_sent_event): the dashboard shows what still waits as PENDING.
  const transport = createTransport(url.value);
  const client = new Client({ transport, backend, origin: 'demo-traffic@pollen', defaultQueue: DEMO_QUEUES.default, sendSentEvents: true });
  const traffic = new DemoTraffic(client, log.child({ scope: 'demo' }), options.traffic);
  traffic.start();

  // The flapping worker: a warm shutdown (its running AI calls finish), a pause, a fresh start.
  const onlineMs = options.onlineMs ?? 120_000;
  const offlineMs = options.offlineMs ?? 20_000;
  let stopped = false;
  let flap: NodeJS.Timeout | null = null;
  const plan = PLANS.find((p) => p.hostname === FLAPPING) as WorkerPlan;
  const scheduleFlap = (): void => {
    flap = setTimeout(async () => {
      const worker = running.get(FLAPPING);
      running.delete(FLAPPING);
      await worker?.stop({ graceful: true }).catch((err: unknown) => log.warn({ err: String(err) }, 'demo: the flapping worker did not stop cleanly'));
      flap = setTimeout(async () => {
        if (stopped) return;
        try {
          running.set(FLAPPING, await start(plan));
        } catch (err) {
          log.warn({ err: String(err) }, 'demo: the flapping worker could not start again');
        }
        if (!stopped) scheduleFlap();
      }, offlineMs);
    }, onlineMs);
  };
  scheduleFlap();

  return {
    workers: PLANS.map((p) => p.hostname),
    traffic,
    async stop() {
      stopped = true;
      if (flap !== null) clearTimeout(flap);
      traffic.stop();
      await Promise.allSettled([...running.values()].map((worker) => worker.stop({ graceful: false })));
      await client.close();
      await transport.close();
      await backend.close();
    },
  };
}
