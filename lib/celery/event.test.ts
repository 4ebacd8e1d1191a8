import { describe, expect, it } from 'vitest';
import { BROKERS, captured, decodeCaptured, flatEvents, must } from '@/test/fixtures/celery-5.2/captures';
import { textToUtf8 } from './bytes';
import { decodeEventBody, decodeEventMessage, encodeEventMessage, eventToJson } from './event';
import type { CeleryEvent } from './event-types';
import type { JsonObject } from './json';
import { type CeleryMessage, NO_PROPERTIES } from './message';

function decodeAll(broker: (typeof BROKERS)[number]): { events: CeleryEvent[]; rk: string[] } {
  const events: CeleryEvent[] = [];
  const rk: string[] = [];
  for (const c of captured(broker, 'events')) {
    const message = must(decodeCaptured(c));
    const decoded = decodeEventMessage(message);
    expect(decoded.errors).toEqual([]);
    events.push(...decoded.events);
    rk.push(...decoded.events.map(() => c.raw.routing_key ?? ''));
  }
  return { events, rk };
}

describe.each(BROKERS)('events captured on %s', (broker) => {
  const { events, rk } = decodeAll(broker);
  const flat = flatEvents(broker);

  it('decodes every message, lists flattened in order, to what Python decoded', () => {
    expect(events).toHaveLength(flat.length);
    events.forEach((event, i) => {
      // Encoding the typed event gives back every field and value Python saw.
      expect(eventToJson(event)).toEqual(flat[i]?.event);
      expect(event.extra).toBeNull();
    });
  });

  it('batches every task event a worker sends on task.multi, and nothing else', () => {
    events.forEach((event, i) => {
      if (event.type === 'task-sent' || event.type.startsWith('worker-')) expect(rk[i]).toBe(event.type.replace('-', '.'));
      else expect(rk[i]).toBe('task.multi');
    });
  });

  it('types each event by its kind', () => {
    const byType = new Map(events.map((e) => [e.type, e]));
    expect([...byType.keys()].sort()).toEqual([
      'task-failed', 'task-received', 'task-rejected', 'task-retried', 'task-revoked', 'task-sent', 'task-started',
      'task-succeeded', 'worker-heartbeat', 'worker-offline', 'worker-online',
    ]);
    const online = byType.get('worker-online');
    expect(online).toMatchObject({ known: true, freq: 2, active: 0, swIdent: 'py-celery', swVer: '5.2.6', swSys: 'Linux', utcoffset: 0 });
    const succeeded = events.find((e) => e.type === 'task-succeeded' && e.known && e.result === '5');
    expect(succeeded).toMatchObject({ runtime: expect.any(Number), uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const revoked = events.filter((e) => e.type === 'task-revoked');
    expect(revoked.some((e) => e.known && 'terminated' in e && e.terminated && e.signum === 15)).toBe(true);
    expect(revoked.some((e) => e.known && 'expired' in e && e.expired)).toBe(true);
    const notRegistered = events.find((e) => e.type === 'task-failed' && 'exception' in e && e.exception?.startsWith('NotRegistered'));
    expect(notRegistered).toMatchObject({ traceback: null });
    const sentByChild = events.find((e) => e.type === 'task-sent' && e.hostname.startsWith('gen'));
    expect(sentByChild).toBeDefined();
  });
});

function eventMessage(body: unknown, headers: JsonObject = { hostname: 'w1@h' }): CeleryMessage {
  return { body: textToUtf8(JSON.stringify(body)), contentType: 'application/json', contentEncoding: 'utf-8', headers, properties: NO_PROPERTIES, delivery: null };
}

const base = { hostname: 'w1@h', utcoffset: -2, pid: 7, clock: 3, timestamp: 1795268172.5 };

describe('tolerant decoding', () => {
  it('keeps unknown fields of a known event and unknown event types whole', () => {
    const { events, errors } = decodeEventBody([
      { ...base, type: 'task-started', uuid: 'u1', stamps: { k: 1 } },
      { ...base, type: 'task-progress', uuid: 'u1', current: 3, total: 10 },
    ]);
    expect(errors).toEqual([]);
    expect(events[0]).toMatchObject({ known: true, type: 'task-started', uuid: 'u1', extra: { stamps: { k: 1 } } });
    expect(events[1]).toMatchObject({ known: false, type: 'task-progress', uuid: 'u1', extra: { current: 3, total: 10 } });
    expect(eventToJson(events[1] as CeleryEvent)).toEqual({ ...base, type: 'task-progress', uuid: 'u1', current: 3, total: 10 });
  });

  it('takes the hostname from the message header when the event has none', () => {
    const { events } = decodeEventMessage(eventMessage({ type: 'worker-heartbeat', timestamp: 1 }, { hostname: 'w2@h' }));
    expect(events[0]).toMatchObject({ hostname: 'w2@h', clock: 0, utcoffset: 0, pid: null, active: null, loadavg: null });
  });

  it('delivers the good events of a batch and reports each bad one with its index', () => {
    const { events, errors } = decodeEventBody([
      { ...base, type: 'task-started', uuid: 'a' },
      { ...base, type: 'task-started' },
      'garbage',
      { ...base, type: 'task-succeeded', uuid: 'b', runtime: 'fast' },
      { ...base, type: 'task-succeeded', uuid: 'c', result: '1', runtime: 0.1 },
    ]);
    expect(events.map((e) => ('uuid' in e ? e.uuid : null))).toEqual(['a', 'c']);
    expect(errors.map((e) => [e.code, e.path])).toEqual([
      ['missing', '$[1].uuid'],
      ['invalid', '$[2]'],
      ['invalid', '$[3].runtime'],
    ]);
  });

  it.each([
    [{ ...base }, 'missing', '$.type'],
    [{ ...base, type: 5 }, 'invalid', '$.type'],
    [{ type: 'worker-online', timestamp: 1 }, 'missing', '$.hostname'],
    [{ ...base, type: 'task-failed', uuid: 'x', timestamp: '2026-01-01' }, 'invalid', '$.timestamp'],
    [{ ...base, type: 'worker-heartbeat', loadavg: [1, 'x', 2] }, 'invalid', '$.loadavg[1]'],
    [{ ...base, type: 'worker-heartbeat', clock: 1.5 }, 'invalid', '$.clock'],
  ])('rejects %j', (event, code, path) => {
    const { events, errors } = decodeEventBody(event as JsonObject, null);
    expect(events).toEqual([]);
    expect(errors[0]).toMatchObject({ code, path });
  });

  it('reports a body that is not JSON as one error', () => {
    const message = { ...eventMessage(null), body: textToUtf8('{"type": ') };
    expect(decodeEventMessage(message).errors[0]).toMatchObject({ code: 'syntax', path: '$.body' });
  });
});

describe('encoding events', () => {
  it('sends a batch on task.multi and a worker event on its own key, as Celery does', () => {
    const { events } = decodeEventBody([
      { ...base, type: 'task-received', uuid: 'u', name: 'tasks.add', args: '(1, 2)', kwargs: '{}', root_id: 'u', parent_id: null, retries: 0, eta: null, expires: null },
      { ...base, type: 'task-started', uuid: 'u' },
    ]);
    const batch = encodeEventMessage(events, 'w1@h');
    expect(batch.routingKey).toBe('task.multi');
    expect(batch.message.headers).toEqual({ hostname: 'w1@h' });
    expect(batch.message.properties.deliveryMode).toBe(1);
    expect(decodeEventMessage(batch.message).events).toEqual(events);

    const heartbeat = must({ ok: true, value: decodeEventBody({ ...base, type: 'worker-heartbeat', freq: 2, active: 1, processed: 5, loadavg: [0.5, 0.4, 0.3], sw_ident: 'ts-celery', sw_ver: '0.1.0', sw_sys: 'Linux' }).events[0] as CeleryEvent });
    const single = encodeEventMessage(heartbeat, 'w1@h');
    expect(single.routingKey).toBe('worker.heartbeat');
    expect(new TextDecoder().decode(single.message.body)).toBe(
      '{"hostname": "w1@h", "utcoffset": -2, "pid": 7, "clock": 3, "freq": 2, "active": 1, "processed": 5, "loadavg": [0.5, 0.4, 0.3], "sw_ident": "ts-celery", "sw_ver": "0.1.0", "sw_sys": "Linux", "timestamp": 1795268172.5, "type": "worker-heartbeat"}',
    );
  });
});
