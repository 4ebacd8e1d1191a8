/**
 * Everything /metrics keeps between scrapes: Flower's six metrics and Pollen's task counters, both fed
 * from the collector's applied events. Pollen's other families are read from the model, the metrics and
 * the ingest health at scrape time (pollen-families.ts).
 *
 *   const prometheus = new PrometheusMetrics();
 *   const unsubscribe = feedPrometheus(collector, prometheus);
 */
import type { CeleryEvent } from '@/lib/celery';
import type { Change, TaskStore } from '../store/task-store';
import { FlowerMetrics, type FlowerMetricsOptions } from './flower-metrics';
import { LabelIds } from './label-ids';
import { TaskCounters } from './task-counters';

export interface PrometheusMetricsOptions extends FlowerMetricsOptions {
  /** Task names with their own label before they count as "(other)". Default 1000, as the metrics'. */
  readonly maxTaskNames?: number;
}

/** Workers the model forgot lose their series at least this often, scrapes or not. */
const PURGE_EVERY_MS = 60_000;

export class PrometheusMetrics {
  readonly names: LabelIds;
  readonly flower: FlowerMetrics;
  readonly tasks: TaskCounters;

  constructor(options: PrometheusMetricsOptions = {}) {
    this.names = new LabelIds(options.maxTaskNames ?? 1000);
    this.flower = new FlowerMetrics(options, this.names);
    this.tasks = new TaskCounters(this.names);
  }

  onChange(change: Change, event: CeleryEvent, nowMs: number): void {
    const nameId = this.flower.onEvent(event, change.task, nowMs, change.worker !== null ? change.worker.hostname : event.hostname);
    this.tasks.count(nameId, event.type);
  }
}

/**
 * Subscribes `prometheus` to every event the store applies, and once a minute drops the series of
 * workers the cluster model has forgotten. Returns the unsubscribe function.
 */
export function feedPrometheus(store: TaskStore, prometheus: PrometheusMetrics): () => void {
  const known = (hostname: string): boolean => store.worker(hostname) !== undefined;
  let nextPurge = 0;
  return store.onChange((change, event) => {
    const now = Date.now();
    prometheus.onChange(change, event, now);
    if (now >= nextPurge) {
      nextPurge = now + PURGE_EVERY_MS;
      prometheus.flower.purge(known, now);
    }
  });
}
