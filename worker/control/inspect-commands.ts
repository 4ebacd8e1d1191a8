/** Read-only commands (`celery inspect ...`), answering in the shapes a Python 5.2 worker uses (CELERY-WIRE.md §6.5). */
import os from 'node:os';
import type { JsonObject, JsonValue } from '@/lib/celery';
import type { Worker } from '../worker';
import type { CommandHandler } from './pidbox-node';

const DEFAULT_TASKINFOITEMS = ['exchange', 'routing_key', 'rate_limit'];

function registered(worker: Worker, args: Readonly<Record<string, JsonValue>>): JsonValue {
  const items = Array.isArray(args['taskinfoitems']) && args['taskinfoitems'].length > 0 ? (args['taskinfoitems'] as JsonValue[]).filter((x): x is string => typeof x === 'string') : DEFAULT_TASKINFOITEMS;
  return worker.app.names().map((name) => {
    const task = worker.app.get(name);
    const fields: string[] = [];
    for (const item of items) {
      const value = item === 'rate_limit' ? task?.options.rateLimit : item === 'acks_late' ? task?.options.acksLate : item === 'ignore_result' ? task?.options.ignoreResult : null;
      if (value !== null && value !== undefined && value !== false) fields.push(`${item}=${String(value)}`);
    }
    return fields.length > 0 ? `${name} [${fields.join(' ')}]` : name;
  });
}

function stats(worker: Worker): JsonValue {
  const broker = worker.transport.broker;
  const usage = process.resourceUsage();
  const memory = process.memoryUsage();
  return {
    total: Object.fromEntries(worker.pool.totals),
    pid: process.pid,
    clock: String(worker.clock.current()),
    uptime: Math.floor((Date.now() - worker.startedAt) / 1000),
    pool: {
      'max-concurrency': worker.pool.concurrency,
      processes: [process.pid],
      'max-tasks-per-child': 'N/A',
      'put-guarded-by-semaphore': false,
      timeouts: [0, 0],
      implementation: 'pollen:async',
    },
    broker: {
      hostname: broker.hosts[0]?.host ?? null,
      userid: broker.username,
      virtual_host: broker.kind === 'amqp' ? broker.vhost : String(broker.db),
      port: broker.hosts[0]?.port ?? null,
      insist: false,
      ssl: broker.tls,
      transport: broker.kind,
      connect_timeout: 4,
      transport_options: {},
      login_method: broker.kind === 'amqp' ? 'AMQPLAIN' : null,
      uri_prefix: null,
      heartbeat: 120.0,
      failover_strategy: 'round-robin',
      alternates: [],
    },
    prefetch_count: worker.prefetch(),
    rusage: {
      utime: usage.userCPUTime / 1e6,
      stime: usage.systemCPUTime / 1e6,
      maxrss: usage.maxRSS,
      ixrss: usage.sharedMemorySize,
      idrss: usage.unsharedDataSize,
      isrss: usage.unsharedStackSize,
      minflt: usage.minorPageFault,
      majflt: usage.majorPageFault,
      nswap: usage.swappedOut,
      inblock: usage.fsRead,
      oublock: usage.fsWrite,
      msgsnd: usage.ipcSent,
      msgrcv: usage.ipcReceived,
      nsignals: usage.signalsCount,
      nvcsw: usage.voluntaryContextSwitches,
      nivcsw: usage.involuntaryContextSwitches,
    },
    // Not in Python's reply: what a Node worker can say about its memory.
    memory: { rss: memory.rss, heap_used: memory.heapUsed, heap_total: memory.heapTotal },
    sw_ident: 'pollen-worker',
    hostname: os.hostname(),
  };
}

function queueInfo(name: string): JsonObject {
  return {
    name,
    exchange: { name, type: 'direct', arguments: null, durable: true, passive: false, auto_delete: false, delivery_mode: null, no_declare: false },
    routing_key: name,
    queue_arguments: null,
    binding_arguments: null,
    consumer_arguments: null,
    durable: true,
    exclusive: false,
    auto_delete: false,
    no_ack: false,
    alias: null,
    bindings: [],
    no_declare: null,
    expires: null,
    message_ttl: null,
    max_length: null,
    max_length_bytes: null,
    max_priority: null,
  };
}

function queryTask(worker: Worker, args: Readonly<Record<string, JsonValue>>): JsonValue {
  const raw = args['ids'] ?? args['task_id'];
  const ids = Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : typeof raw === 'string' ? [raw] : [];
  const out: JsonObject = {};
  for (const id of ids) {
    const active = worker.pool.active.get(id);
    if (active) out[id] = ['active', active.info()];
    const reserved = worker.pool.reserved().find((r) => r.id === id) ?? worker.pool.scheduled.get(id)?.request;
    if (reserved) out[id] = ['reserved', reserved.info()];
  }
  return out;
}

export const inspectCommands: Readonly<Record<string, CommandHandler>> = {
  ping: () => ({ ok: 'pong' }),
  clock: (worker) => ({ clock: worker.clock.current() }),
  active: (worker, args) => [...worker.pool.active.values()].map((r) => r.info(args['safe'] === true)),
  reserved: (worker) => worker.pool.reserved().map((r) => r.info()),
  scheduled: (worker) =>
    [...worker.pool.scheduled.values()].map(({ request, eta }) => ({ eta: new Date(eta).toISOString().replace('Z', '+00:00'), priority: 6, request: request.info() })),
  registered,
  stats,
  active_queues: (worker) => (worker.consumer?.queues() ?? []).map(queueInfo),
  revoked: (worker) => worker.revoked.list(),
  query_task: queryTask,
  conf: (worker, args) => ({
    broker_url: worker.transport.broker.display,
    result_backend: worker.backend?.display ?? null,
    worker_prefetch_multiplier: worker.prefetchMultiplier,
    worker_concurrency: worker.pool.concurrency,
    task_default_queue: worker.producer.defaultQueue,
    ...(args['with_defaults'] === true ? { result_extended: true, task_track_started: true, worker_send_task_events: worker.events.taskEvents } : {}),
  }),
  report: (worker) => ({ ok: `software -> pollen-worker ${worker.hostname} node ${process.version} ${os.type()} ${os.release()}` }),
  hello: (worker, args) => {
    // mingle: a starting worker shares the ids it knows to be revoked, and learns ours.
    const theirs = args['revoked'];
    if (theirs && typeof theirs === 'object' && !Array.isArray(theirs)) for (const id of Object.keys(theirs)) worker.revoked.add(id);
    return args['from_node'] === worker.hostname ? null : { revoked: worker.revoked.snapshot(), clock: worker.clock.current() };
  },
};
