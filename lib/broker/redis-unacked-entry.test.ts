import { describe, expect, it } from 'vitest';
import { decodeUnackedEntry, encodeUnackedEntry, markRedelivered } from './redis-unacked-entry';

// As kombu 5.2.4 writes them (json.dumps of [message._raw, exchange, routing_key]).
const ENVELOPE =
  '{"body": "W1sxLCAyXSwge30sIHt9XQ==", "content-encoding": "utf-8", "content-type": "application/json", ' +
  '"headers": {"task": "tasks.add", "id": "a1", "retries": 0}, "properties": {"correlation_id": "a1", ' +
  '"delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, ' +
  '"body_encoding": "base64", "delivery_tag": "t1"}}';

describe('the unacked hash entry', () => {
  it('embeds the envelope text unchanged and reads back what kombu writes', () => {
    const text = encodeUnackedEntry({ envelope: ENVELOPE, exchange: '', routingKey: 'celery' });
    expect(text).toBe(`[${ENVELOPE}, "", "celery"]`);
    expect(JSON.parse(text)).toEqual([JSON.parse(ENVELOPE), '', 'celery']);
    expect(decodeUnackedEntry(text)).toEqual({ envelope: ENVELOPE, exchange: '', routingKey: 'celery' });
  });

  it('reads entries with other spacing and escaped strings', () => {
    expect(decodeUnackedEntry('[{"a":[1,{"b":"x\\"]"}]},"reply.celery.pidbox","k\\u00e9"]')).toEqual({
      envelope: '{"a":[1,{"b":"x\\"]"}]}',
      exchange: 'reply.celery.pidbox',
      routingKey: 'k\u00e9',
    });
  });

  it.each([
    ['not JSON', 'garbage{'],
    ['two items', '[{}, ""]'],
    ['an envelope that is not an object', '["x", "", "celery"]'],
    ['a routing key that is not a string', '[{}, "", 5]'],
    ['trailing text', '[{}, "", "q"] x'],
    ['an unterminated object', '[{"a": 1, "", "q"]'],
  ])('rejects %s', (_name, text) => {
    expect(decodeUnackedEntry(text)).toBeNull();
  });
});

describe('marking an envelope redelivered, as kombu restores it', () => {
  it('sets both flags and changes nothing else', () => {
    const marked = markRedelivered(ENVELOPE) as string;
    const parsed = JSON.parse(marked);
    const original = JSON.parse(ENVELOPE);
    expect(parsed.headers).toEqual({ ...original.headers, redelivered: true });
    expect(parsed.properties.delivery_info).toEqual({ exchange: '', routing_key: 'celery', redelivered: true });
    expect({ ...parsed, headers: null, properties: { ...parsed.properties, delivery_info: null } }).toEqual({
      ...original,
      headers: null,
      properties: { ...original.properties, delivery_info: null },
    });
  });

  it('keeps integers beyond 2^53 exactly (no parse and re-serialise)', () => {
    const envelope = '{"headers": {"big": 123456789012345678901}, "properties": {"delivery_info": {}}}';
    expect(markRedelivered(envelope)).toBe(
      '{"headers": {"big": 123456789012345678901, "redelivered": true}, "properties": {"delivery_info": {"redelivered": true}}}',
    );
  });

  it('replaces an existing flag instead of adding a second one', () => {
    const twice = markRedelivered(markRedelivered(ENVELOPE) as string) as string;
    expect(twice.match(/"redelivered"/g)).toHaveLength(2);
    expect(JSON.parse(twice).headers.redelivered).toBe(true);
    expect(markRedelivered('{"headers": {"redelivered": false}}')).toBe('{"headers": {"redelivered": true}}');
  });

  it('follows kombu when parts are missing: no headers, no flags; no delivery_info, only the header', () => {
    expect(markRedelivered('{"properties": {"delivery_info": {}}}')).toBe('{"properties": {"delivery_info": {}}}');
    expect(markRedelivered('{"headers": {}, "properties": {}}')).toBe('{"headers": {"redelivered": true}, "properties": {}}');
  });

  it('returns null for text that is not a JSON object', () => {
    expect(markRedelivered('[1, 2]')).toBeNull();
    expect(markRedelivered('{"headers": ')).toBeNull();
    expect(markRedelivered(`{"headers": ${'['.repeat(100_000)}`)).toBeNull();
  });
});
