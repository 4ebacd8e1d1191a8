/**
 * `pollen demo`'s cluster: three reference TS workers with different queues and pools, the demo
 * traffic, and one worker that goes offline now and then and comes back, as real workers do on deploys.
 * It runs on any broker: the in-process one by default, or a real Redis or RabbitMQ.
 */
import type { Logger } from 'pino';
import { createClient } from '../client/client';
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
}

const PLANS: readonly WorkerPlan[] = [
  { hostname: 'shop@demo', queues: [DEMO_QUEUES.default, DEMO_QUEUES.high], concurrency: 8 },
  { hostname: 'batch@demo', queues: [DEMO_QUEUES.low, DEMO_QUEUES.reports, DEMO_QUEUES.default], concurrency: 4 },
  { hostname: 'ai@demo', queues: [DEMO_QUEUES.ai], concurrency: 2 },
];
const FLAPPING = 'ai@demo';

export async function startDemoCluster(options: DemoClusterOptions): Promise<DemoCluster> {
  const { broker, resultBackend, log } = options;
  // A task a second per worker at info level would drown the server's own log.
  const workerLog = log.child({ scope: 'demo' }, { level: 'warn' });
  const start = async (plan: WorkerPlan): Promise<Worker> => {
    const worker = new Worker({ app: demoApp, broker, resultBackend, hostname: plan.hostname, queues: plan.queues, concurrency: plan.concurrency, logger: workerLog });
    await worker.start();
    return worker;
  };
  const running = new Map<string, Worker>();
  for (const plan of PLANS) running.set(plan.hostname, await start(plan));

  const client = createClient({ broker, resultBackend, origin: 'demo-traffic@pollen' });
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
    },
  };
}
