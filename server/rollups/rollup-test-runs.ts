/** Runs of Pollen on one history with a fake clock, and the events they take: the rollup tests' scaffolding (SQLite and PostgreSQL). */
import type { CeleryEvent } from '@/lib/celery';
import type { HistoryBackend } from '../history/history-backend';
import type { MetricHistory } from '../history/metric-history';
import { Metrics } from '../metrics';
import { decoded, T0 } from '../metrics/metrics-test-events';
import { QueueHistory } from '../queues/queue-history';
import { DurableTaskStore } from '../store/durable-task-store';
import { RollupRoller } from './rollup-roller';

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined };

/** One run of Pollen on a history: the store, its metrics fed from it, the queue history and the roller, on clock `c`. */
export async function runOn(open: () => Promise<HistoryBackend>, c: { now: number }) {
  const history = await open();
  const store = await DurableTaskStore.open({ maxTasks: 1000, purgeOfflineAfter: 3600, history, log: silent, now: () => c.now / 1000, writeIntervalMs: 5 });
  const metrics = new Metrics({ clock: () => c.now });
  store.onChange((change, event) => metrics.onEvent(event, c.now, change.task));
  const queues = new QueueHistory();
  const roller = await RollupRoller.start({ metrics, history: store.metricHistory, queues, now: () => c.now });
  const apply = (event: CeleryEvent, at: number) => {
    c.now = at;
    store.apply(event, at / 1000);
  };
  const stop = async () => {
    roller.stop();
    await store.close();
  };
  return { store, metrics, queues, roller, apply, stop, history: store.metricHistory as MetricHistory };
}

/** Two task names over minutes 0, 1 and 2 after T0: received, started, succeeded (runtime) or failed. */
export function feed(apply: (event: CeleryEvent, at: number) => void): void {
  for (let i = 0; i < 30; i++) {
    const name = i % 3 === 0 ? 'app.slow' : 'app.fast';
    const at = T0 + i * 6_000;
    const t = at / 1000;
    const uuid = `u-${i}`;
    apply(decoded({ type: 'task-received', uuid, hostname: 'celery@w1', timestamp: t, name }), at);
    apply(decoded({ type: 'task-started', uuid, hostname: 'celery@w1', timestamp: t + 0.25 }), at + 250);
    const done = i === 7
      ? decoded({ type: 'task-failed', uuid, hostname: 'celery@w1', timestamp: t + 1, exception: 'E()', traceback: 'T' })
      : decoded({ type: 'task-succeeded', uuid, hostname: 'celery@w1', timestamp: t + 1, result: '1', runtime: name === 'app.slow' ? 2 + i / 10 : 0.01 * (i + 1) });
    apply(done, at + 1000);
  }
}

