/**
 * A worker as history keeps it: what it said of itself (software, pid, frequency, load) and Flower's
 * counters of its task events, so that after a restart the workers page lists every worker, offline
 * until its next heartbeat, with the counts it had.
 */
import type { JsonObject } from '@/lib/celery';
import type { TaskEventCounts, WorkerRecord } from '../state/worker-record';
import type { WorkerRow } from './write-batch';

interface WorkerDoc {
  pid: number | null;
  freq: number;
  active: number | null;
  processed: number | null;
  loadavg: readonly number[] | null;
  swIdent: string | null;
  swVer: string | null;
  swSys: string | null;
  utcoffset: number;
  lastTimestamp: number;
  firstSeen: number;
  offlineSince: number | null;
  extra: JsonObject | null;
  taskEvents: TaskEventCounts;
}

export function workerRow(worker: WorkerRecord): WorkerRow {
  const doc: WorkerDoc = {
    pid: worker.pid,
    freq: worker.freq,
    active: worker.active,
    processed: worker.processed,
    loadavg: worker.loadavg,
    swIdent: worker.swIdent,
    swVer: worker.swVer,
    swSys: worker.swSys,
    utcoffset: worker.utcoffset,
    lastTimestamp: worker.lastTimestamp,
    firstSeen: worker.firstSeen,
    offlineSince: worker.offlineSince,
    extra: worker.extra,
    taskEvents: worker.taskEvents,
  };
  return [worker.hostname, worker.lastReceived, JSON.stringify(doc)];
}

/**
 * Fills `worker` (new, with no heartbeat) from its row. It stays offline until it is heard again: from
 * when it went offline, or else from when it was last heard, since nothing says it lived on after.
 */
export function restoreWorker(worker: WorkerRecord, row: { readonly last_seen: unknown; readonly doc: unknown }): WorkerRecord {
  const doc = JSON.parse(String(row.doc)) as Partial<WorkerDoc>;
  const lastSeen = Number(row.last_seen);
  worker.pid = doc.pid ?? null;
  worker.freq = doc.freq ?? worker.freq;
  worker.active = doc.active ?? null;
  worker.processed = doc.processed ?? null;
  worker.loadavg = doc.loadavg ?? null;
  worker.swIdent = doc.swIdent ?? null;
  worker.swVer = doc.swVer ?? null;
  worker.swSys = doc.swSys ?? null;
  worker.utcoffset = doc.utcoffset ?? 0;
  worker.lastTimestamp = doc.lastTimestamp ?? lastSeen;
  worker.lastReceived = lastSeen;
  worker.firstSeen = doc.firstSeen ?? lastSeen;
  worker.offlineSince = doc.offlineSince ?? lastSeen;
  worker.extra = doc.extra ?? null;
  Object.assign(worker.taskEvents, doc.taskEvents ?? {});
  return worker;
}
