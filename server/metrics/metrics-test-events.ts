/** Decoded Celery events for the metrics tests, built the way the collector gets them. */
import { type CeleryEvent, decodeEventBody, type TaskEvent, type WorkerEvent } from '@/lib/celery';

/** 2026-11-21 12:00:00 UTC, on a minute boundary (ms). */
export const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

export function decoded(raw: Record<string, unknown>): CeleryEvent {
  const { events, errors } = decodeEventBody(JSON.parse(JSON.stringify({ utcoffset: 0, pid: 1, clock: 1, ...raw })));
  if (errors.length > 0 || !events[0]) throw new Error(`bad test event: ${JSON.stringify(errors)}`);
  return events[0];
}

export function taskEvent(type: string, uuid: string, fields: Record<string, unknown> = {}): TaskEvent {
  return decoded({ type, uuid, hostname: 'celery@w1', timestamp: T0 / 1000, ...fields }) as TaskEvent;
}

export function heartbeat(hostname: string, fields: Record<string, unknown>): WorkerEvent {
  return decoded({ type: 'worker-heartbeat', hostname, timestamp: T0 / 1000, freq: 2, sw_ident: 'py-celery', sw_ver: '5.2.7', sw_sys: 'Linux', ...fields }) as WorkerEvent;
}
