/**
 * Everything the routes and the push channel work on, made once from the configuration and closed with
 * the server: the model, the collector on the broker, the control plane over pidbox, the task client on
 * the same connection, the result backend and the metrics.
 */
import { createResultBackend } from '@/lib/backend';
import { createTransport } from '@/lib/broker';
import type { ServerInfo } from '@/lib/push/contract';
import type { Logger } from '@/lib/runtime/logger';
import { Redactor } from '@/lib/redact/redactor';
import { VERSION } from '@/lib/runtime/version';
import { Client } from '@/worker/client';
import { Collector } from '../collector/collector';
import { GapSettlement } from '../collector/gap-settlement';
import type { ServerConfig } from '../config';
import { InspectCache } from '../control/inspect-cache';
import { WorkerControl } from '../control/worker-control';
import { feedWorkerStats, Metrics } from '../metrics';
import { feedPrometheus, PrometheusMetrics } from '../prometheus/prometheus-metrics';
import { QueueSampler } from '../queues/queue-sampler';
import { RollupRoller } from '../rollups/rollup-roller';
import { openTaskStore } from '../store/open-task-store';
import { HeavyRequests } from './heavy-requests';
import type { RouteContext } from './route-types';

/** A paused or unreachable RabbitMQ is noticed in two heartbeats: an outage shown, not dead workers. */
const COLLECTOR_AMQP_HEARTBEAT_S = 5;

export interface ServerContext extends RouteContext {
  /** The turns of the routes marked `heavy`. */
  readonly heavyRequests: HeavyRequests;
  close(): Promise<void>;
}

export async function createServerContext(config: ServerConfig, log: Logger): Promise<ServerContext> {
  const info: ServerInfo = { name: 'pollen', version: VERSION, broker: config.broker?.display ?? null, resultBackend: config.resultBackend?.display ?? null, startedAt: Date.now() };
  const redactor = new Redactor(config.redaction);
  const store = await openTaskStore(config.history, { maxTasks: config.maxTasks, maxWorkers: config.maxWorkers, purgeOfflineAfter: config.purgeOfflineWorkers, retention: config.retention, redactor, log: log.child({ scope: 'store' }) });
  const metrics = new Metrics();
  const backend = config.resultBackend ? createResultBackend(config.resultBackend.href) : null;
  const collector = config.broker
    ? new Collector(createTransport(config.broker, { amqpHeartbeatSeconds: COLLECTOR_AMQP_HEARTBEAT_S }), store, { enableEvents: config.enableEvents }, log.child({ scope: 'collector' }))
    : null;
  store.onChange((change, event) => metrics.onEvent(event, Date.now(), change.task));
  const prometheus = new PrometheusMetrics({ purgeAfterMs: config.purgeOfflineWorkers * 1000 });
  if (collector) feedPrometheus(store, prometheus);
  await collector?.start();
  const client = collector ? new Client({ transport: collector.transport, backend }) : null;
  const inspect = client
    ? new InspectCache(client.control, { timeoutMs: config.inspectTimeoutMs, redact: (value) => redactor.json(value), onError: (method, err) => log.debug({ method, err }, 'inspect failed') })
    : null;
  const control = client
    ? new WorkerControl(client.control, { timeoutMs: config.inspectTimeoutMs, knownWorker: (name) => store.worker(name) !== undefined || inspect?.workers().includes(name) === true })
    : null;
  // Filled at start, as Flower's is; later pages get it with its age and refresh it behind them.
  inspect?.refreshInBackground();
  const queues = collector
    ? QueueSampler.forServer({ transport: collector.transport, brokerApi: config.brokerApi, inspect, seenInEvents: () => metrics.keys('queue'), log: log.child({ scope: 'queues' }) })
    : null;
  // With history: the charts' past is rolled up once a minute and queue lengths come back before sampling starts.
  const rollups = store.metricHistory === null ? null : await RollupRoller.start({ metrics, history: store.metricHistory, queues: queues?.history ?? null, now: Date.now });
  queues?.start();
  const stopWorkerStats = inspect ? feedWorkerStats(inspect, metrics, { onlineWorkers: () => store.onlineWorkers(Date.now() / 1000) }) : null;
  const settlement = collector
    ? new GapSettlement({ store, backend, inspect, log: log.child({ scope: 'settle' }) })
    : null;
  const stopSettling = settlement ? collector?.onGap((gap) => settlement.afterGap(gap)) : undefined;
  // Tasks in flight when Pollen last stopped ran on without it: settled as after any gap in the stream.
  const restart = store.restartGap;
  if (settlement !== null && restart !== null) settlement.afterGap({ from: restart.from * 1000, to: restart.to * 1000, reason: 'Pollen was not running' });
  return {
    info, config, store, collector, inspect, control, client, backend, metrics, prometheus, queues, settlement, redactor,
    heavyRequests: new HeavyRequests(),
    async close() {
      queues?.stop();
      stopWorkerStats?.();
      stopSettling?.();
      settlement?.stop();
      await client?.close().catch(() => undefined);
      await collector?.stop();
      await backend?.close().catch(() => undefined);
      rollups?.stop();
      // Last: what the collector delivered before it stopped is written too.
      await store.close().catch((err: unknown) => log.error({ err }, 'history could not be closed cleanly'));
    },
  };
}
