import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend, MemoryStore } from '@/lib/backend';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { type CeleryMessage, encodeRedisEnvelope, isJsonObject, type JsonObject, type JsonValue } from '@/lib/celery';
import { captured as sharedCapture } from '@/test/fixtures/celery-5.2/captures';
import { chain, chord, group, signature } from './canvas-builders';
import { Client, createClient } from './client';

/** What Celery 5.2.6's client published for the same calls (fixtures/capture_canvas.py). */
interface Captured {
  readonly messages: JsonObject[];
  readonly backend: JsonValue[][];
}
const python = (JSON.parse(readFileSync(new URL('./fixtures/celery-5.2.6-client.json', import.meta.url), 'utf8')) as { scenarios: Record<string, Captured> }).scenarios;

const url = parseBrokerUrl('memory://');
if (!url.ok) throw new Error(url.error);

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

function setup() {
  const transport = new MemoryTransport(url.ok ? url.value : (undefined as never), new MemoryBroker());
  const backend = new MemoryBackend(new MemoryStore());
  const sent: { exchange: string; routingKey: string; message: CeleryMessage }[] = [];
  vi.spyOn(transport, 'publish').mockImplementation(async (exchange, routingKey, message) => {
    sent.push({ exchange, routingKey, message });
  });
  const chordSizes: [string, number][] = [];
  vi.spyOn(backend, 'setChordSize').mockImplementation(async (groupId, size) => {
    chordSizes.push([groupId, size]);
  });
  const client = new Client({ transport, backend, origin: 'gen1@test' });
  clients.push(client);
  return { client, sent, chordSizes, transport, backend };
}

/** A TS message in the capture's layout. */
function asCaptured(exchange: string, routingKey: string, m: CeleryMessage): JsonObject {
  const properties: JsonObject = { correlation_id: m.properties.correlationId, delivery_mode: m.properties.deliveryMode };
  if (m.properties.expiration !== null) properties['expiration'] = m.properties.expiration;
  return {
    exchange,
    routing_key: routingKey,
    headers: m.headers,
    properties,
    priority: m.properties.priority,
    content_type: m.contentType,
    content_encoding: m.contentEncoding,
    body: JSON.parse(Buffer.from(m.body).toString('utf8')) as JsonValue,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CELERY_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

/**
 * What must be equal between Celery's messages and ours: everything but the producer's identity (`lang`,
 * `origin`, the `reply_to` oid Celery puts in properties and frozen signatures), dates (checked apart) and
 * the ids themselves, which become <id N> in order of first appearance (keys walked sorted).
 */
function normalise(value: JsonValue, ids = new Map<string, string>()): JsonValue {
  if (typeof value === 'string') {
    if (UUID.test(value)) {
      if (!ids.has(value)) ids.set(value, `<id ${ids.size + 1}>`);
      return ids.get(value) as string;
    }
    return CELERY_DATE.test(value) ? '<date>' : value;
  }
  if (Array.isArray(value)) return value.map((v) => normalise(v, ids));
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) {
    if (key === 'reply_to' || key === 'lang' || key === 'origin') continue;
    out[key] = normalise(value[key] as JsonValue, ids);
  }
  return out;
}

function pythonSide(name: string): JsonValue {
  const scenario = python[name];
  if (!scenario) throw new Error(`no capture ${name}`);
  const sizes = scenario.backend.filter((c) => c[0] === 'set_chord_size').map((c) => c.slice(1));
  return normalise({ messages: scenario.messages, chordSizes: sizes });
}

function ourSide(sent: ReturnType<typeof setup>['sent'], chordSizes: [string, number][]): JsonValue {
  return normalise({ messages: sent.map((s) => asCaptured(s.exchange, s.routingKey, s.message)), chordSizes });
}

const add = (...args: number[]) => signature('tasks.add', args);

describe('Client: messages as Celery 5.2.6 sends them', () => {
  it('send_task', async () => {
    const { client, sent, chordSizes } = setup();
    const result = await client.sendTask('tasks.add', [2, 3]);
    expect(ourSide(sent, chordSizes)).toEqual(pythonSide('send_task'));
    const m = sent[0]!.message;
    expect(result.id).toBe(m.headers['id']);
    expect([m.headers['origin'], m.headers['lang']]).toEqual(['gen1@test', 'js']);
  });

  it('send_task with every option', async () => {
    const { client, sent, chordSizes } = setup();
    const before = Date.now();
    const result = await client.sendTask('tasks.echo', [1], { k: 'v' }, {
      countdown: 10,
      expires: 60,
      queue: 'q1',
      priority: 5,
      headers: { 'x-custom': 'yes' },
      timeLimit: 30,
      softTimeLimit: 20,
      link: add(10),
      linkError: signature('tasks.echo'),
      taskId: 'd0e1f2a3-0000-4000-8000-000000000001',
      shadow: 'alias',
    });
    expect(result.id).toBe('d0e1f2a3-0000-4000-8000-000000000001');
    expect(ourSide(sent, chordSizes)).toEqual(pythonSide('send_task_options'));
    const headers = sent[0]!.message.headers;
    const eta = Date.parse(headers['eta'] as string);
    const expires = Date.parse(headers['expires'] as string);
    expect(eta).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 10_000 - 1000);
    expect(eta).toBeLessThanOrEqual(Date.now() + 10_000);
    expect(expires - eta).toBeGreaterThanOrEqual(49_900);
    expect(expires - eta).toBeLessThanOrEqual(50_100);
  });

  it('send_task with expires in the past: TTL "0"', async () => {
    const { client, sent, chordSizes } = setup();
    await client.sendTask('tasks.add', [1, 1], {}, { expires: -5 });
    expect(ourSide(sent, chordSizes)).toEqual(pythonSide('send_task_expired'));
    expect(Date.parse(sent[0]!.message.headers['expires'] as string)).toBeLessThan(Date.now() - 4000);
  });

  it('chain: the first step carries the rest, reversed; the result is the last step', async () => {
    const { client, sent, chordSizes } = setup();
    const result = await client.apply(chain(add(1, 2), add(3), add(4)));
    expect(ourSide(sent, chordSizes)).toEqual(pythonSide('chain'));
    const body = JSON.parse(Buffer.from(sent[0]!.message.body).toString()) as [unknown, unknown, { chain: { options: { task_id: string } }[] }];
    expect(result.id).toBe(body[2].chain[0]!.options.task_id);
  });

  it('group: members carry the group id and no group_index', async () => {
    const { client, sent, chordSizes } = setup();
    const result = await client.apply(group(add(1, 1), add(2, 2)));
    expect(ourSide(sent, chordSizes)).toEqual(pythonSide('group'));
    expect(result.id).toBe(sent[0]!.message.headers['group']);
    expect(result.ids).toEqual(sent.map((s) => s.message.headers['id']));
  });

  it('chord: the size is set, each header task carries its index and the body', async () => {
    const { client, sent, chordSizes } = setup();
    const result = await client.apply(chord([add(1, 1), add(2, 2), add(3, 3)], signature('tasks.tsum')));
    expect(ourSide(sent, chordSizes)).toEqual(pythonSide('chord'));
    const body = JSON.parse(Buffer.from(sent[0]!.message.body).toString()) as [unknown, unknown, { chord: { options: { task_id: string } } }];
    expect(result.id).toBe(body[2].chord.options.task_id);
  });

  it('chord whose header has a chain: its last step joins the chord', async () => {
    const { client, sent, chordSizes } = setup();
    await client.apply(chord([chain(add(1, 1), add(10)), add(2, 2)], signature('tasks.tsum')));
    expect(ourSide(sent, chordSizes)).toEqual(pythonSide('chord_chain_header'));
  });
});

/** A Redis envelope with its base64 body decoded, for normalise(). */
function openEnvelope(text: string): JsonValue {
  const envelope = JSON.parse(text) as JsonObject;
  return { ...envelope, body: JSON.parse(Buffer.from(envelope['body'] as string, 'base64').toString('utf8')) as JsonValue };
}

describe('Client: the Redis envelopes of the shared capture (CELERY-WIRE.md captures/redis/task-messages.jsonl)', () => {
  const lines = sharedCapture('redis', 'task-messages');
  const envelopeAt = (i: number): string => {
    const line = lines[i];
    if (line?.broker !== 'redis') throw new Error(`no Redis capture at line ${i}`);
    return line.envelope;
  };
  const theirs = (...indexes: number[]) => normalise(indexes.map((i) => openEnvelope(envelopeAt(i))));
  const ours = (sent: ReturnType<typeof setup>['sent']) =>
    normalise(sent.map((s) => openEnvelope(encodeRedisEnvelope(s.message, { exchange: s.exchange, routingKey: s.routingKey }))));

  it.each<[string, number[], (c: Client) => Promise<unknown>]>([
    ['add(2, 3)', [0], (c) => c.sendTask('tasks.add', [2, 3])],
    ['echo with text and kwargs, to queue solo', [2], (c) => c.sendTask('tasks.echo', [1, 'h\u00e9llo \u2713'], { k: [1, 2], n: null }, { queue: 'solo' })],
    ['countdown=2, expires=1', [10], (c) => c.sendTask('tasks.add', [1, 1], {}, { countdown: 2, expires: 1 })],
    ['priority=5', [11], (c) => c.sendTask('tasks.add', [7, 7], {}, { priority: 5 })],
    ['add(1, 2) | add(3) | add(4)', [12], (c) => c.apply(chain(add(1, 2), add(3), add(4)))],
    ['group of three', [15, 16, 17], (c) => c.apply(group(add(0, 0), add(1, 1), add(2, 2)))],
    ['chord of three into tsum', [18, 19, 20], (c) => c.apply(chord([add(0, 0), add(1, 1), add(2, 2)], signature('tasks.tsum')))],
  ])('%s', async (_name, indexes, send) => {
    const { client, sent } = setup();
    await send(client);
    expect(ours(sent)).toEqual(theirs(...indexes));
  });
});

describe('Client', () => {
  it('createClient opens the transport and backend named by URLs and closes them', async () => {
    const client = createClient({ broker: 'memory://', resultBackend: 'memory://', defaultQueue: 'jobs', origin: 'me@here' });
    const close = vi.spyOn(client.transport, 'close');
    const closeBackend = vi.spyOn(client.backend!, 'close');
    expect(client.producer).toMatchObject({ origin: 'me@here', defaultQueue: 'jobs' });
    await client.close();
    expect([close.mock.calls.length, closeBackend.mock.calls.length]).toEqual([1, 1]);
    await expect(client.sendTask('tasks.add')).rejects.toThrow(/closed/);
    expect(() => createClient({ broker: 'rpc://' })).toThrow();
    expect(createClient({ broker: 'memory://' }).backend).toBeNull();
  });

  it('a client over existing connections leaves them open; the default origin is gen<pid>@<host>', async () => {
    const { client, transport } = setup();
    const close = vi.spyOn(transport, 'close');
    expect(client.producer.origin).toBe('gen1@test');
    expect(new Client({ transport, backend: null }).producer.origin).toMatch(new RegExp(`^gen${process.pid}@.+`));
    await client.close();
    expect(close).not.toHaveBeenCalled();
  });

  it('sends to the default queue, or to the one asked for', async () => {
    const { client, sent } = setup();
    await client.sendTask('tasks.add', [1, 1]);
    await client.sendTask('tasks.add', [1, 1], {}, { queue: 'other', priority: 9 });
    expect(sent.map((s) => [s.exchange, s.routingKey, s.message.properties.priority])).toEqual([
      ['', 'celery', 0],
      ['', 'other', 9],
    ]);
  });

  it('apply() refuses a canvas ending in a group (its result is a GroupResult) and applyGroup() sends it', async () => {
    const { client, sent } = setup();
    const endsInGroup = chain(add(1, 1), group(add(2), add(3)));
    await expect(client.apply(endsInGroup)).rejects.toThrow(/applyGroup/);
    expect(sent).toHaveLength(0);
    const result = await client.applyGroup(endsInGroup);
    expect(result.results).toHaveLength(2);
    const body = JSON.parse(Buffer.from(sent[0]!.message.body).toString()) as [unknown, unknown, { chain: { kwargs: { tasks: { options: { task_id: string } }[] }; options: { task_id: string } }[] }];
    const groupStep = body[2].chain[0]!;
    expect(result.id).toBe(groupStep.options.task_id);
    expect(result.ids).toEqual(groupStep.kwargs.tasks.map((t) => t.options.task_id));
    await expect(client.applyGroup(add(1, 1))).rejects.toThrow(/client.apply/);
  });

  it('a group of groups is one flat group; a chord with no header sends its body with []', async () => {
    const { client, sent, chordSizes } = setup();
    const flat = await client.apply(group(add(1, 1), group(add(2, 2), add(3, 3))));
    expect(flat.ids).toHaveLength(3);
    expect(sent.map((s) => s.message.headers['group'])).toEqual([flat.id, flat.id, flat.id]);
    sent.length = 0;
    const body = await client.apply(chord([], signature('tasks.tsum')));
    expect(sent.map((s) => [s.message.headers['id'], JSON.parse(Buffer.from(s.message.body).toString())[0]])).toEqual([[body.id, [[]]]]);
    expect(chordSizes).toEqual([]);
  });

  it('a chord needs a result backend', async () => {
    const transport = new MemoryTransport(url.ok ? url.value : (undefined as never), new MemoryBroker());
    const client = new Client({ transport, backend: null });
    clients.push(client);
    await expect(client.apply(chord([add(1, 1)], signature('tasks.tsum')))).rejects.toThrow(/result backend/);
  });
});
