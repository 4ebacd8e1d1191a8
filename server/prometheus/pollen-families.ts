/**
 * Pollen's own families on /metrics, read at scrape time from what the server already keeps: the
 * cluster model, the metrics' latency sketches, the ingest health and the /metrics state itself; plus
 * the process families Node exporters usually give (prom-client's names), as Flower's registry gives
 * Python's.
 *
 * Latency quantiles are gauges over the last 5 minutes (a window of the DDSketches, accurate to 1 %),
 * not a Prometheus summary: a summary's _sum and _count must be counters since start, which a window
 * cannot give. Only task names with observations in the window have series.
 */
import type { IngestSnapshot } from '../collector/ingest-health';
import { LATENCY_KINDS, type LatencySummary, type Metrics } from '../metrics';
import type { TaskStore } from '../store/task-store';
import { escapeLabelValue, type Exposition } from './exposition';
import type { PrometheusMetrics } from './prometheus-metrics';

export const LATENCY_WINDOW_MS = 5 * 60_000;
const QUANTILES = [['0.5', 'p50'], ['0.9', 'p90'], ['0.99', 'p99']] as const;

export interface PollenSources {
  readonly store: TaskStore;
  readonly metrics: Metrics;
  /** Null without a broker. */
  readonly ingest: IngestSnapshot | null;
  readonly prometheus: PrometheusMetrics | null;
}

export function writePollenFamilies(out: Exposition, sources: PollenSources, nowMs: number): void {
  const { store, metrics, ingest, prometheus } = sources;
  prometheus?.tasks.write(out);
  writeLatency(out, metrics, nowMs);

  if (ingest) {
    out.family('pollen_events_ingested_total', 'counter', 'Events decoded from the broker since Pollen started').sample('pollen_events_ingested_total', '', ingest.eventsTotal);
    out.family('pollen_event_messages_total', 'counter', 'Event messages received (one may carry a task.multi batch)').sample('pollen_event_messages_total', '', ingest.messagesTotal);
    out.family('pollen_events_malformed_total', 'counter', 'Event messages or events that could not be decoded and were dropped').sample('pollen_events_malformed_total', '', ingest.malformedTotal);
    out.family('pollen_event_stream_gaps_total', 'counter', 'Times the broker link was lost, so events may have been missed').sample('pollen_event_stream_gaps_total', '', ingest.gapsTotal);
    if (ingest.backlog !== null) out.family('pollen_event_backlog', 'gauge', 'Event messages waiting in Pollen\'s event queue on the broker').sample('pollen_event_backlog', '', ingest.backlog);
  }

  out.family('pollen_tasks_in_memory', 'gauge', 'Tasks held in the cluster model (at most --max-tasks)').sample('pollen_tasks_in_memory', '', store.taskCount);
  out.family('pollen_tasks_evicted_total', 'counter', 'Tasks dropped from the cluster model to stay within --max-tasks').sample('pollen_tasks_evicted_total', '', store.evicted);
  let online = 0;
  for (const worker of store.workers()) if (worker.alive(nowMs / 1000)) online++;
  out.family('pollen_workers', 'gauge', 'Workers the cluster model knows, by status');
  out.sample('pollen_workers', 'status="online"', online).sample('pollen_workers', 'status="offline"', store.workerCount - online);

  const history = store.historyWriting();
  if (history !== null) {
    out.family('pollen_history_writing', 'gauge', 'History writing state: 1 for the state it is in (writing, lagging: behind and dropping rows, failing: writes fail)');
    for (const state of ['writing', 'lagging', 'failing'] as const) out.sample('pollen_history_writing', `state="${state}"`, history.state === state ? 1 : 0);
    out.family('pollen_history_pending', 'gauge', 'Changes noted and not yet written to history').sample('pollen_history_pending', 'kind="tasks"', history.pendingTasks).sample('pollen_history_pending', 'kind="events"', history.pendingEvents);
    out.family('pollen_history_written_total', 'counter', 'Rows written to history since Pollen started').sample('pollen_history_written_total', 'kind="tasks"', history.writtenTasks).sample('pollen_history_written_total', 'kind="events"', history.writtenEvents);
    const pruned = store.historyPruned();
    if (pruned !== null) {
      out.family('pollen_history_pruned_total', 'counter', 'Rows pruned from history by retention since Pollen started: tasks past their age (--retention-*), beyond --max-history-tasks or --max-history-size; runs and workers past the longest age');
      out.sample('pollen_history_pruned_total', 'kind="tasks",reason="age"', pruned.age).sample('pollen_history_pruned_total', 'kind="tasks",reason="max_tasks"', pruned.maxTasks).sample('pollen_history_pruned_total', 'kind="tasks",reason="max_size"', pruned.maxSize);
      out.sample('pollen_history_pruned_total', 'kind="runs",reason="age"', pruned.runs).sample('pollen_history_pruned_total', 'kind="workers",reason="age"', pruned.workers);
      if (pruned.usedBytes !== null) out.family('pollen_history_used_bytes', 'gauge', 'Bytes of history pages in use at the last retention pass (what --max-history-size bounds)').sample('pollen_history_used_bytes', '', pruned.usedBytes);
    }
    out.family('pollen_history_dropped_total', 'counter', 'Rows not written to history because it lagged past its bound').sample('pollen_history_dropped_total', 'kind="tasks"', history.droppedTasks).sample('pollen_history_dropped_total', 'kind="events"', history.droppedEvents);
  }

  const stats = metrics.stats();
  out.family('pollen_metrics_bytes', 'gauge', 'Memory allocated by the metrics stores behind the dashboard');
  out.sample('pollen_metrics_bytes', 'part="counts"', stats.bytes.counts).sample('pollen_metrics_bytes', 'part="gauges"', stats.bytes.gauges).sample('pollen_metrics_bytes', 'part="sketches"', stats.bytes.sketches);
  if (prometheus) {
    const flower = prometheus.flower.stats();
    out.family('pollen_prometheus_label_sets', 'gauge', 'Label values and pairs /metrics keeps: worker labels, task names, (worker, task) pairs of the flower_* families');
    out.sample('pollen_prometheus_label_sets', 'kind="workers"', flower.workers).sample('pollen_prometheus_label_sets', 'kind="task_names"', prometheus.names.size);
    out.sample('pollen_prometheus_label_sets', 'kind="pairs"', flower.series);
    out.family('pollen_prometheus_overflow_events_total', 'counter', 'Events counted under "(other)" because a /metrics cardinality cap was reached');
    out.sample('pollen_prometheus_overflow_events_total', 'cap="task_names"', prometheus.names.overflowEvents).sample('pollen_prometheus_overflow_events_total', 'cap="workers_pairs_types"', flower.overflowEvents);
  }
  out.family('pollen_metrics_errors_total', 'counter', 'Events whose metrics update failed (should stay 0)');
  out.sample('pollen_metrics_errors_total', 'store="metrics"', stats.errors);
  if (prometheus) out.sample('pollen_metrics_errors_total', 'store="prometheus"', prometheus.flower.errors);

  writeProcess(out);
}

function writeLatency(out: Exposition, metrics: Metrics, nowMs: number): void {
  const window = { from: nowMs - LATENCY_WINDOW_MS, to: nowMs };
  out.family('pollen_task_latency_seconds', 'gauge', 'Task latency quantiles over the last 5 minutes, by task name: runtime, wait (sent or received to started), endToEnd (sent to done)');
  for (const kind of LATENCY_KINDS) {
    for (const [task, summary] of metrics.latencyByTask(kind, window)) writeQuantiles(out, 'pollen_task_latency_seconds', `task="${escapeLabelValue(task)}",kind="${kind}"`, summary);
  }
  out.family('pollen_latency_seconds', 'gauge', 'Latency quantiles over the last 5 minutes, all tasks together');
  for (const kind of LATENCY_KINDS) writeQuantiles(out, 'pollen_latency_seconds', `kind="${kind}"`, metrics.latency(kind, null, window));
}

function writeQuantiles(out: Exposition, name: string, labelText: string, summary: LatencySummary): void {
  if (summary.count === 0) return;
  for (const [quantile, key] of QUANTILES) {
    const value = summary[key];
    if (value !== null) out.sample(name, `${labelText},quantile="${quantile}"`, value);
  }
}

const START_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

function writeProcess(out: Exposition): void {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  out.family('process_cpu_user_seconds_total', 'counter', 'Total user CPU time spent in seconds.').sample('process_cpu_user_seconds_total', '', cpu.user / 1e6);
  out.family('process_cpu_system_seconds_total', 'counter', 'Total system CPU time spent in seconds.').sample('process_cpu_system_seconds_total', '', cpu.system / 1e6);
  out.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.').sample('process_cpu_seconds_total', '', (cpu.user + cpu.system) / 1e6);
  out.family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.').sample('process_start_time_seconds', '', START_SECONDS);
  out.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.').sample('process_resident_memory_bytes', '', memory.rss);
  out.family('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.').sample('nodejs_heap_size_total_bytes', '', memory.heapTotal);
  out.family('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.').sample('nodejs_heap_size_used_bytes', '', memory.heapUsed);
  out.family('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes.').sample('nodejs_external_memory_bytes', '', memory.external);
}
