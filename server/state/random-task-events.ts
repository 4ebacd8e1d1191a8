/**
 * Random task events for the index tests (task-index.test.ts, the store's indexed pages): a small pool
 * of ids so tasks are evicted and come back, events out of order, late names, retries, custom states,
 * workers going offline, settlements, and senders with implausible clocks. Seeded, so a failure reproduces.
 */
import { type CeleryEvent, decodeEventBody, type JsonObject, type TaskEvent } from '@/lib/celery';
import type { Settlement } from './task-record';

export const NAMES = ['tasks.add', 'tasks.mul', 'tasks.fail', ''];
export const WORKERS = ['celery@w1', 'celery@w2', 'celery@w3'];
export const QUEUES = ['celery', 'high', 'low'];
const TYPES = ['task-sent', 'task-received', 'task-started', 'task-succeeded', 'task-failed', 'task-retried', 'task-revoked', 'task-rejected', 'task-progress'];

export type RandomStep =
  | { readonly kind: 'event'; readonly event: CeleryEvent; readonly at: number }
  | { readonly kind: 'settle'; readonly event: TaskEvent; readonly settlement: Settlement }
  | { readonly kind: 'offline'; readonly event: CeleryEvent; readonly at: number };

function decoded(body: JsonObject): CeleryEvent {
  const { events, errors } = decodeEventBody({ utcoffset: 0, pid: 1, clock: 1, ...body });
  if (events.length !== 1) throw new Error(`bad test event: ${JSON.stringify(errors)}`);
  return events[0] as CeleryEvent;
}

/** `count` steps over `ids` task ids, from `random` (a seeded generator in [0, 1)). */
export function randomSteps(random: () => number, count: number, ids: number): RandomStep[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const steps: RandomStep[] = [];
  let t = 1_790_000_000;
  for (let i = 0; i < count; i++) {
    t += random() < 0.1 ? -random() * 5 : random();
    const uuid = `t${Math.floor(random() * ids)}`;
    const roll = random();
    if (roll < 0.02) {
      steps.push({ kind: 'offline', event: decoded({ type: 'worker-offline', hostname: pick(WORKERS), timestamp: t }), at: t });
      continue;
    }
    const type = pick(TYPES);
    // Now and then a sender whose clock cannot be right (clock-skew.ts): its task sorts by our receive time.
    const stamped = random() < 0.03 ? t + 1_000_000 : t;
    const fields: JsonObject = { type, uuid, hostname: type === 'task-sent' ? 'gen@client' : pick(WORKERS), timestamp: stamped };
    if (type === 'task-sent') Object.assign(fields, { name: pick(NAMES), queue: pick(QUEUES), args: '(1, 2)', kwargs: '{}', retries: 0 });
    if (type === 'task-received') Object.assign(fields, { name: pick(NAMES), args: `(${Math.floor(random() * 5)},)`, kwargs: '{}', retries: 0 });
    if (type === 'task-succeeded') Object.assign(fields, { result: '3', runtime: random() * 10 });
    if (type === 'task-failed') Object.assign(fields, { exception: 'ValueError()', traceback: '' });
    const event = decoded(fields);
    if (roll < 0.07 && type !== 'task-progress' && type !== 'task-sent') {
      steps.push({ kind: 'settle', event: event as TaskEvent, settlement: { source: 'result backend', at: t, gap: null } });
    } else {
      steps.push({ kind: 'event', event, at: t + random() });
    }
  }
  return steps;
}
