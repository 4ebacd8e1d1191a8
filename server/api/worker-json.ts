/**
 * A worker as Pollen's JSON shows it, from its events alone: GET /api/workers (before the inspect
 * replies join it) and the push channel's `workers` and `worker` feeds render it here, so that they
 * agree field for field.
 */
import type { WorkerEventJson } from '@/lib/api/workers';
import { implausibleSkew } from '../state/clock-skew';
import type { WorkerRecord } from '../state/worker-record';

/** `now` in Unix seconds. */
export function workerJson(worker: WorkerRecord, now: number): WorkerEventJson {
  return {
    hostname: worker.hostname,
    alive: worker.alive(now),
    status: worker.status(now),
    timestamp: worker.lastTimestamp,
    // Pollen keeps what the events say; `inspect` replies (stats, registered, ...) join them with the
    // control plane.
    pid: worker.pid,
    freq: worker.freq,
    active: worker.active,
    processed: worker.processed,
    loadavg: worker.loadavg,
    sw_ident: worker.swIdent,
    sw_ver: worker.swVer,
    sw_sys: worker.swSys,
    heartbeats: worker.heartbeats,
    clock_skew: worker.clockSkew,
    clock_suspect: worker.lastReceived > 0 && implausibleSkew(worker.lastTimestamp, worker.lastReceived) !== null,
    offline_since: worker.offlineSince,
    // Flower's worker rows (/workers?json=1) name its counters by event type.
    'task-succeeded': worker.taskEvents.succeeded,
    'task-failed': worker.taskEvents.failed,
    'task-retried': worker.taskEvents.retried,
  };
}
