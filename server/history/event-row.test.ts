import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type JsonObject } from '@/lib/celery';
import { EventColumnsBuilder, eventColumnsOf, eventRow, eventRowsOf } from './event-row';

const event = (body: JsonObject): CeleryEvent => decodeEventBody({ utcoffset: 0, pid: 1, clock: 1, hostname: 'celery@w1', timestamp: 1_700_000_000.25, uuid: 'u1', ...body }).events[0] as CeleryEvent;

/** One of each kind of fields an event row may keep. */
const EVENTS: [CeleryEvent, number | null][] = [
  [event({ type: 'task-received', name: 'app.add', args: '(1, 2)', kwargs: '{}', retries: 0 }), 1_700_000_000.5],
  [event({ type: 'task-received', name: 'app.add', retries: 3 }), 1_700_000_000.5],
  [event({ type: 'task-sent', name: 'app.add', retries: 1, queue: 'celery' }), null],
  [event({ type: 'task-started' }), 1_700_000_001],
  [event({ type: 'task-succeeded', result: '3', runtime: 0.0481 }), 1_700_000_002],
  [event({ type: 'task-succeeded', result: '3' }), 1_700_000_002],
  [event({ type: 'task-succeeded', result: '3', runtime: 1.5, custom: 'kept' }), 1_700_000_002],
  [event({ type: 'task-failed', exception: "ValueError('x')", traceback: 'Traceback…' }), 1_700_000_003],
  [event({ type: 'task-revoked', terminated: true, signum: 15, expired: false }), 1_700_000_004],
  [event({ type: 'task-rejected', requeue: false }), 1_700_000_005],
  [event({ type: 'task-progress', hostname: '', done: 5, of: 10 }), 1_700_000_006],
];

describe('event rows as columns', () => {
  it('give back, after the trip to the writer thread, the rows eventRow makes', () => {
    const builder = new EventColumnsBuilder(1000);
    // More rows than the builder starts with, so that it grows.
    const expected = [];
    for (let k = 0; k < 20; k++) {
      for (const [i, [e, at]] of EVENTS.entries()) {
        builder.add(e, k * 100 + i, k * 1000 + i, at);
        expected.push(eventRow(e, k * 100 + i, k * 1000 + i, at));
      }
    }
    expect(eventRowsOf(structuredClone(builder.columns()))).toEqual(expected);
    expect(expected.some((row) => row[6] === '{"runtime":0.0481}')).toBe(true);
    expect(expected.some((row) => row[6] === '{"retries":3}')).toBe(true);
    expect(expected.some((row) => row[4] === null)).toBe(true);
  });

  it('are full at their capacity', () => {
    const builder = new EventColumnsBuilder(2);
    builder.add(EVENTS[0]![0], 1, 1, null);
    expect(builder.full).toBe(false);
    builder.add(EVENTS[3]![0], 1, 2, null);
    expect(builder.full).toBe(true);
  });

  it('are made from rows and back (the tests and the fill)', () => {
    const rows = EVENTS.map(([e, at], i) => eventRow(e, i + 1, i + 10, at));
    expect(eventRowsOf(eventColumnsOf(rows))).toEqual(rows);
  });
});
