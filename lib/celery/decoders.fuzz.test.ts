/**
 * Fuzzing every decoder of lib/celery with random input and with captured messages mutated at the byte
 * and at the JSON level. The property: a decoder returns (never throws), its answer has the documented
 * shape, and it answers quickly (no hang, no super-linear blow-up).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captured, decodeCaptured, must, storedResults } from '@/test/fixtures/celery-5.2/captures';
import { decodeAmqpDelivery } from './amqp-message';
import { textToUtf8 } from './bytes';
import { decodeEventBody, decodeEventMessage } from './event';
import type { JsonValue } from './json';
import { decodeJsonBody, type CeleryMessage } from './message';
import { decodeControlReply, decodeControlRequest } from './pidbox';
import { parseExceptionRepr, parsePythonRepr } from './python-repr';
import { decodeRedisEnvelope } from './redis-envelope';
import { decodeGroupMeta, decodeTaskMeta } from './result-meta';
import { decodeTaskMessage } from './task-message';
import { untagKombuJson } from './kombu-json';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 400);
let slowest = 0;

/** Runs a decoder, failing the property if it throws, answers in the wrong shape, or takes too long. */
function answers(decode: () => unknown): void {
  const started = performance.now();
  const result = decode() as { ok?: unknown; error?: { code?: unknown; message?: unknown }; events?: unknown; errors?: unknown };
  const took = performance.now() - started;
  slowest = Math.max(slowest, took);
  expect(took).toBeLessThan(500);
  if ('events' in result) {
    expect(Array.isArray(result.events) && Array.isArray(result.errors)).toBe(true);
  } else {
    expect(typeof result.ok).toBe('boolean');
    if (result.ok === false) {
      expect(typeof result.error?.code).toBe('string');
      expect(typeof result.error?.message).toBe('string');
    }
  }
}

function messageOf(body: Uint8Array, headers: Record<string, JsonValue> = {}): CeleryMessage {
  return {
    body,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers,
    properties: { correlationId: null, replyTo: null, deliveryMode: null, priority: null, expiration: null, extra: null },
    delivery: null,
  };
}

/** Every decoder that takes a message, applied to one message. */
function decodeAsEverything(message: CeleryMessage): void {
  answers(() => decodeTaskMessage(message));
  answers(() => decodeEventMessage(message));
  answers(() => decodeControlRequest(message));
  answers(() => decodeControlReply(message));
  answers(() => decodeJsonBody(message));
}

const envelopes = [...captured('redis', 'task-messages'), ...captured('redis', 'events'), ...captured('redis', 'pidbox')].map((c) =>
  c.broker === 'redis' ? c.envelope : '',
);
const amqpMessages = [...captured('amqp', 'task-messages'), ...captured('amqp', 'events'), ...captured('amqp', 'pidbox')].map((c) => must(decodeCaptured(c)));
const reprs = [
  ...captured('redis', 'task-messages').flatMap((c) => {
    const task = must(decodeTaskMessage(must(decodeCaptured(c))));
    return [task.argsrepr ?? '', task.kwargsrepr ?? ''];
  }),
  "datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc)",
  "{'k': [1, (2, 3)], 'n': None, 1.5: b'x', 'd': Decimal('1.5')}",
  "ValueError('boom')",
];

/** Byte-level mutations: cut, delete a range, overwrite, insert. */
const textMutation = (source: string) =>
  fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 4 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 8, unit: 'binary' }) }),
    ),
    { minLength: 1, maxLength: 5 },
  ).map((mutations) => {
    let text = source;
    for (const m of mutations) {
      const at = text.length === 0 ? 0 : m.at % (text.length + 1);
      if (m.kind === 'cut') text = text.slice(0, at);
      else if (m.kind === 'delete') text = text.slice(0, at) + text.slice(at + m.length);
      else if (m.kind === 'set') text = text.slice(0, at) + m.text + text.slice(at + m.text.length);
      else text = text.slice(0, at) + m.text + text.slice(at);
    }
    return text;
  });

/** JSON-level mutation: replace or delete one value somewhere in the tree. */
function mutateJson(value: JsonValue, choice: number, replacement: JsonValue | undefined): JsonValue {
  const nodes: { parent: JsonValue[] | Record<string, JsonValue>; key: string | number }[] = [];
  const walk = (v: JsonValue): void => {
    if (Array.isArray(v)) v.forEach((item, i) => (nodes.push({ parent: v, key: i }), walk(item)));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) nodes.push({ parent: v, key: k }), walk(v[k] as JsonValue);
  };
  const copy = JSON.parse(JSON.stringify(value)) as JsonValue;
  walk(copy);
  const node = nodes[choice % Math.max(1, nodes.length)];
  if (!node) return replacement ?? null;
  if (replacement === undefined) {
    if (Array.isArray(node.parent)) node.parent.splice(node.key as number, 1);
    else delete node.parent[node.key as string];
  } else (node.parent as Record<string | number, JsonValue>)[node.key] = replacement;
  return copy;
}

const replacement = fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }) as fc.Arbitrary<JsonValue | undefined>;

describe('decoders never throw and always answer quickly', () => {
  it('on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (text) => {
        answers(() => decodeRedisEnvelope(text));
        answers(() => decodeTaskMeta(text));
        answers(() => decodeGroupMeta(text));
        answers(() => parsePythonRepr(text));
        answers(() => parsePythonRepr(text, { flavour: 'repr' }));
        answers(() => parseExceptionRepr(text));
        decodeAsEverything(messageOf(textToUtf8(text)));
      }),
      { numRuns: RUNS },
    );
  });

  it('on random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const json = value as JsonValue;
        answers(() => decodeEventBody(json));
        answers(() => untagKombuJson(json));
        answers(() => decodeTaskMeta(JSON.stringify(json)));
        answers(() => decodeRedisEnvelope(JSON.stringify(json)));
        decodeAsEverything(messageOf(textToUtf8(JSON.stringify(json)), { task: 't', id: 'i' }));
      }),
      { numRuns: RUNS },
    );
  });

  it('on captured Redis envelopes with their bytes mutated', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...envelopes).chain((e) => textMutation(e)),
        (text) => {
          answers(() => decodeRedisEnvelope(text));
          const message = decodeRedisEnvelope(text);
          if (message.ok) decodeAsEverything(message.value);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('on captured Redis envelopes with a value replaced or deleted, outside and inside the body', () => {
    fc.assert(
      fc.property(fc.constantFrom(...envelopes), fc.nat(), replacement, fc.boolean(), (envelope, choice, value, inBody) => {
        const parsed = JSON.parse(envelope) as { body: string } & Record<string, JsonValue>;
        let mutated: JsonValue;
        if (inBody) {
          const body = JSON.parse(Buffer.from(parsed.body, 'base64').toString('utf8')) as JsonValue;
          const newBody = JSON.stringify(mutateJson(body, choice, value));
          mutated = { ...parsed, body: Buffer.from(newBody).toString('base64') };
        } else mutated = mutateJson(parsed, choice, value);
        const text = JSON.stringify(mutated);
        answers(() => decodeRedisEnvelope(text));
        const message = decodeRedisEnvelope(text);
        if (message.ok) decodeAsEverything(message.value);
      }),
      { numRuns: RUNS },
    );
  });

  it('on captured AMQP messages with mutated bodies and headers', () => {
    fc.assert(
      fc.property(fc.constantFrom(...amqpMessages), fc.nat(), replacement, fc.boolean(), (message, choice, value, inHeaders) => {
        let mutated: CeleryMessage;
        if (inHeaders) {
          mutated = { ...message, headers: mutateJson(message.headers, choice, value) as Record<string, JsonValue> };
        } else {
          const body = JSON.parse(new TextDecoder().decode(message.body)) as JsonValue;
          mutated = { ...message, body: textToUtf8(JSON.stringify(mutateJson(body, choice, value))) };
        }
        decodeAsEverything(mutated);
        answers(() => decodeAmqpDelivery({ content: mutated.body, fields: { exchange: 'x', routingKey: 'y' }, properties: { headers: mutated.headers } }));
      }),
      { numRuns: RUNS },
    );
  });

  it('on stored results and captured reprs with their text mutated', () => {
    const results = storedResults('amqp').map((s) => s.json);
    fc.assert(
      fc.property(fc.constantFrom(...results).chain(textMutation), fc.constantFrom(...reprs).chain(textMutation), (meta, repr) => {
        answers(() => decodeTaskMeta(meta));
        answers(() => parsePythonRepr(repr));
        answers(() => parsePythonRepr(repr, { flavour: 'repr', types: 'kombu-tagged' }));
        answers(() => parseExceptionRepr(repr));
      }),
      { numRuns: RUNS },
    );
  });

  it('on hostile shapes', () => {
    const hostile = [
      '['.repeat(200_000),
      '{"a":'.repeat(50_000),
      `"${'\\u0000'.repeat(50_000)}"`,
      JSON.stringify({ type: 'constructor', hostname: 'h', timestamp: 1 }),
      JSON.stringify({ type: '__proto__', hostname: 'h', timestamp: 1 }),
      '{"__proto__": {"polluted": 1}, "type": "task-started", "uuid": "u", "hostname": "h", "timestamp": 1}',
      `(${"'x', ".repeat(100_000)})`,
      `datetime.datetime(${'9'.repeat(1000)}, 1, 1)`,
    ];
    for (const text of hostile) {
      answers(() => decodeRedisEnvelope(text));
      answers(() => decodeTaskMeta(text));
      answers(() => parsePythonRepr(text));
      decodeAsEverything(messageOf(textToUtf8(text)));
    }
    const custom = decodeEventMessage(messageOf(textToUtf8(JSON.stringify({ type: 'constructor', hostname: 'h', timestamp: 1 }))));
    expect(custom.events[0]).toMatchObject({ known: false, type: 'constructor' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('reports the slowest single decode', () => {
    // Printed so that a regression towards a hang shows up in CI logs before it fails the 500 ms bound.
    console.log(`slowest decode in the fuzz runs: ${slowest.toFixed(1)} ms`);
    expect(slowest).toBeLessThan(500);
  });
});
