import { describe, expect, it } from 'vitest';
import { captured, must } from '@/test/fixtures/celery-5.2/captures';
import { decodeRedisEnvelope, encodeRedisEnvelope } from './redis-envelope';

const redisMessages = [...captured('redis', 'task-messages'), ...captured('redis', 'events'), ...captured('redis', 'pidbox')].map(
  (c) => (c.broker === 'redis' ? c.envelope : ''),
);

describe('kombu Redis envelope', () => {
  it('decodes every captured task, event and pidbox envelope', () => {
    expect(redisMessages.length).toBeGreaterThan(200);
    for (const envelope of redisMessages) {
      const message = must(decodeRedisEnvelope(envelope));
      expect(message.contentType).toBe('application/json');
      expect(message.contentEncoding).toBe('utf-8');
      expect(message.delivery?.tag).toMatch(/^[0-9a-f-]{36}$/);
      // The body is the base64-decoded JSON text of the capture.
      const raw = JSON.parse(envelope) as { body: string };
      expect(Buffer.from(message.body).toString('base64')).toBe(raw.body);
    }
  });

  it('reads delivery info, properties and headers of a task message', () => {
    const [first] = captured('redis', 'task-messages');
    const message = must(decodeRedisEnvelope(first?.broker === 'redis' ? first.envelope : ''));
    expect(message.delivery).toEqual({ exchange: '', routingKey: 'celery', redelivered: false, tag: '8dff496b-6629-4d84-8558-5c79c9e3616f' });
    expect(message.properties).toMatchObject({
      correlationId: 'cb9e5a62-28ed-40a5-b6a7-e9112ec9d562',
      replyTo: '1d78f595-3e30-33ca-9dd5-ab21de348a44',
      deliveryMode: 2,
      priority: 0,
      extra: null,
    });
    expect(message.headers['task']).toBe('tasks.add');
  });

  it('re-encodes every captured envelope to the same JSON value, in kombu key order', () => {
    for (const envelope of redisMessages) {
      const message = must(decodeRedisEnvelope(envelope));
      const original = JSON.parse(envelope) as { properties: { delivery_info: { exchange: string; routing_key: string }; delivery_tag: string } };
      const again = encodeRedisEnvelope(message, {
        exchange: original.properties.delivery_info.exchange,
        routingKey: original.properties.delivery_info.routing_key,
        deliveryTag: original.properties.delivery_tag,
      });
      expect(JSON.parse(again)).toEqual(JSON.parse(envelope));
      expect(Object.keys(JSON.parse(again) as object)).toEqual(Object.keys(JSON.parse(envelope) as object));
    }
  });

  it('writes what Python json.dumps writes for a captured task envelope, byte for byte', () => {
    const [first] = captured('redis', 'task-messages');
    const envelope = first?.broker === 'redis' ? first.envelope : '';
    const message = must(decodeRedisEnvelope(envelope));
    expect(encodeRedisEnvelope(message, { exchange: '', routingKey: 'celery', deliveryTag: '8dff496b-6629-4d84-8558-5c79c9e3616f' })).toBe(envelope);
  });

  it('keeps unknown properties and reads a redelivered message', () => {
    const body = Buffer.from('[]').toString('base64');
    const envelope = JSON.stringify({
      body,
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { redelivered: true },
      properties: { delivery_info: { exchange: '', routing_key: 'q' }, body_encoding: 'base64', delivery_tag: 't', x_custom: [1] },
    });
    const message = must(decodeRedisEnvelope(envelope));
    expect(message.properties.extra).toEqual({ x_custom: [1] });
    expect(message.delivery?.redelivered).toBe(true);
  });

  it('uses the body as it is when body_encoding is absent, as kombu does', () => {
    const message = must(decodeRedisEnvelope(JSON.stringify({ body: '[1]', 'content-type': 'application/json', properties: {} })));
    expect(new TextDecoder().decode(message.body)).toBe('[1]');
    expect(message.delivery).toBeNull();
  });

  it.each([
    ['not JSON', '{"body": ', 'syntax', '$'],
    ['a JSON array', '[1, 2]', 'invalid', '$'],
    ['no body', '{"properties": {}}', 'missing', '$.body'],
    ['a numeric body', '{"body": 5}', 'invalid', '$.body'],
    ['corrupt base64', '{"body": "@@@=", "properties": {"body_encoding": "base64"}}', 'syntax', '$.body'],
    ['an unknown body encoding', '{"body": "x", "properties": {"body_encoding": "rot13"}}', 'unsupported', '$.properties.body_encoding'],
    ['headers that are a list', '{"body": "", "headers": [], "properties": {}}', 'invalid', '$.headers'],
    ['a string priority', '{"body": "", "properties": {"priority": "high"}}', 'invalid', '$.properties.priority'],
  ])('rejects %s with a typed error', (_, text, code, path) => {
    const result = decodeRedisEnvelope(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code, path });
  });
});
