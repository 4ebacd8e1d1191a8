/**
 * What a broker outage must not do to Pollen's model, checked while it happens: tasks in flight on real
 * workers, a disruption, then every claim of issue 15's "Done when":
 *   - no living worker was shown offline (sampled every 100 ms from before the outage to the end);
 *   - no task was marked lost whose worker lived;
 *   - every task whose final state is in the result backend shows it (over Flower's task API, which reads
 *     only the model: the v1 task page would settle the task itself on read).
 */
import { expect } from 'vitest';
import { createResultBackend, type ResultBackend } from '@/lib/backend';
import { startCeleryWorker } from './celery-worker';
import { startPollen, type TestPollen } from './pollen-server';
import { startTsWorker } from './ts-worker';
import { until } from './until';

export interface InFlight {
  readonly id: string;
  readonly worker: string;
}

/** Pollen on a broker, a Python Celery worker (prefork, queue `py`) and a TS worker (queue `ts`), both online. */
export interface OutageCluster {
  readonly pollen: TestPollen;
  /** The two workers' node names. */
  readonly workers: readonly [string, string];
  /** `tasks.sleep(s)` on the Python worker and `examples.sleep(s)` on the TS worker for each s, all running. */
  inFlight(seconds: readonly number[]): Promise<InFlight[]>;
  stop(): Promise<void>;
}

export async function startOutageCluster(broker: string, backend: string, name: string): Promise<OutageCluster> {
  const [py, ts] = [`py-${name}@pollen`, `ts-${name}@pollen`] as const;
  const pollen = await startPollen({ broker, resultBackend: backend });
  const [python, tsWorker] = await Promise.all([
    startCeleryWorker({ broker, backend, nodename: py, queues: ['py'], pool: 'prefork', concurrency: 3, events: true, resultExtended: true }),
    startTsWorker({ broker, backend, hostname: ts, queues: ['ts'], concurrency: 3 }),
  ]);
  const state = pollen.server.context.store;
  const online = (worker: string) => state.worker(worker)?.status(Date.now() / 1000) === 'online';
  await until('both workers online', () => online(py) && online(ts), 30_000);
  return {
    pollen,
    workers: [py, ts],
    async inFlight(seconds) {
      const tasks: InFlight[] = [];
      for (const s of seconds) {
        tasks.push({ id: await sendSleep(pollen, 'tasks.sleep', 'py', s), worker: py });
        tasks.push({ id: await sendSleep(pollen, 'examples.sleep', 'ts', s), worker: ts });
      }
      await untilStarted(pollen, tasks);
      return tasks;
    },
    async stop() {
      await Promise.all([python.stop(), tsWorker.stop()]);
      await pollen.close();
    },
  };
}

export interface OutageWatch {
  /** Workers seen offline and tasks seen lost while watched, with when. */
  readonly offline: string[];
  readonly lost: string[];
  stop(): void;
}

/** Sends `name(seconds)` to `queue` through Pollen's Flower API; returns the task id. */
export async function sendSleep(pollen: TestPollen, name: string, queue: string, seconds: number): Promise<string> {
  const sent = await pollen.request(`/api/task/async-apply/${name}`, { json: { args: [seconds], queue } });
  expect(sent.status).toBe(200);
  return (sent.body as { 'task-id': string })['task-id'];
}

export async function untilStarted(pollen: TestPollen, tasks: readonly InFlight[]): Promise<void> {
  const state = pollen.server.context.store;
  await until('the tasks running', () => tasks.every((t) => state.task(t.id)?.state === 'STARTED'), 30_000);
}

export function watchOutage(pollen: TestPollen, workers: readonly string[], tasks: readonly InFlight[]): OutageWatch {
  const state = pollen.server.context.store;
  const offline: string[] = [];
  const lost: string[] = [];
  const started = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const name of workers) {
      const status = state.worker(name)?.status(now / 1000) ?? 'missing';
      if (status === 'offline' || status === 'missing') offline.push(`${name} ${status} at +${now - started} ms`);
    }
    for (const task of tasks) if (state.task(task.id)?.lost) lost.push(`${task.id} (${task.worker}) at +${now - started} ms`);
  }, 100);
  return { offline, lost, stop: () => clearInterval(timer) };
}

/** Waits until the model has every task ready, then compares each with what the result backend stores. */
export async function expectBackendStates(pollen: TestPollen, backendUrl: string, tasks: readonly InFlight[], timeoutMs = 60_000): Promise<void> {
  const backend: ResultBackend = createResultBackend(backendUrl);
  try {
    await until('every task finished in the backend', async () => (await Promise.all(tasks.map((t) => backend.get(t.id)))).every((m) => m?.status === 'SUCCESS'), timeoutMs);
    const shown = async () => Promise.all(tasks.map(async (t) => ((await pollen.request(`/api/task/info/${t.id}`)).body as { state: string }).state));
    await until('every task finished in Pollen', async () => (await shown()).every((state) => state === 'SUCCESS'), timeoutMs).catch(() => undefined);
    const stored = await Promise.all(tasks.map(async (t) => ({ id: t.id, state: (await backend.get(t.id))?.status ?? 'PENDING' })));
    const inPollen = (await shown()).map((state, i) => ({ id: tasks[i]?.id, state }));
    expect(inPollen).toEqual(stored);
  } finally {
    await backend.close();
  }
}
