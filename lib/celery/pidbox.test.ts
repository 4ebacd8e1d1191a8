import { describe, expect, it } from 'vitest';
import { BROKERS, captured, decodeCaptured, must } from '@/test/fixtures/celery-5.2/captures';
import {
  type ControlRequest,
  controlRequestIsFor,
  decodeControlReply,
  decodeControlRequest,
  encodeControlReply,
  encodeControlRequest,
  globToRegExp,
} from './pidbox';

describe.each(BROKERS)('pidbox traffic captured on %s', (broker) => {
  const traffic = captured(broker, 'pidbox').map((c) => ({ kind: c.raw.kind, message: must(decodeCaptured(c)) }));
  const requests = traffic.filter((t) => t.kind === 'request').map((t) => must(decodeControlRequest(t.message)));
  const replies = traffic.filter((t) => t.kind === 'reply').map((t) => must(decodeControlReply(t.message)));

  it('decodes every request and reply', () => {
    expect(requests.length).toBeGreaterThan(30);
    expect(replies.length).toBeGreaterThan(30);
    expect(new Set(requests.map((r) => r.method))).toEqual(
      new Set([
        'heartbeat', 'hello', 'ping', 'revoke', 'active', 'query_task', 'stats', 'rate_limit', 'time_limit', 'registered',
        'active_queues', 'revoked', 'conf', 'clock', 'reserved', 'scheduled', 'pool_grow', 'pool_shrink', 'autoscale',
        'add_consumer', 'cancel_consumer', 'enable_events', 'pool_restart', 'shutdown',
      ]),
    );
  });

  it('pairs every reply with the ticket of a request that asked for one', () => {
    const tickets = new Set(requests.filter((r) => r.replyTo).map((r) => r.ticket));
    for (const reply of replies) expect(tickets.has(reply.ticket)).toBe(true);
    expect(replies.find((r) => r.node === 'solo@proto' && JSON.stringify(r.value) === '{"ok":"pong"}')).toBeDefined();
  });

  it('reads destinations, patterns and reply addresses', () => {
    const ping = requests.find((r) => r.method === 'ping' && r.destination?.length === 1);
    expect(ping?.destination).toEqual(['solo@proto']);
    expect(ping?.replyTo?.exchange).toBe('reply.celery.pidbox');
    expect(requests.find((r) => r.matcher === 'glob')?.pattern).toBeTruthy();
    const cast = requests.find((r) => r.method === 'heartbeat');
    expect(cast).toMatchObject({ replyTo: null, ticket: null, arguments: {} });
    expect(typeof cast?.expires).toBe('number');
  });

  it('re-encodes requests and replies to equal messages', () => {
    for (const { kind, message } of traffic) {
      const again =
        kind === 'request' ? encodeControlRequest(must(decodeControlRequest(message))) : encodeControlReply(must(decodeControlReply(message)));
      expect(JSON.parse(new TextDecoder().decode(again.body))).toEqual(JSON.parse(new TextDecoder().decode(message.body)));
      expect(again.headers).toEqual(message.headers);
    }
  });
});

describe('which worker a request is for', () => {
  const request = (over: Partial<ControlRequest>): ControlRequest => ({
    method: 'ping', arguments: {}, destination: null, pattern: null, matcher: null, ticket: null, replyTo: null, clock: 1, expires: 0, extra: null, ...over,
  });
  it.each([
    [{}, 'w1@h', true],
    [{ destination: ['w1@h'] }, 'w1@h', true],
    [{ destination: ['w2@h'] }, 'w1@h', false],
    [{ destination: [], pattern: 'w*', matcher: 'glob' }, 'w1@h', true],
    [{ pattern: 'w?@h', matcher: 'glob' }, 'w12@h', false],
    [{ pattern: 'w[!2]@h', matcher: 'glob' }, 'w1@h', true],
    [{ pattern: '^w\\d', matcher: 'pcre' }, 'w1@h', true],
    [{ pattern: '(', matcher: 'pcre' }, 'w1@h', false],
    [{ pattern: 'w1@h', matcher: 'unknown' }, 'w1@h', false],
  ])('%j for %s: %s', (over, node, expected) => {
    expect(controlRequestIsFor(request(over), node)).toBe(expected);
  });

  it('treats glob metacharacters of regular expressions literally', () => {
    expect(globToRegExp('a.b+c').test('a.b+c')).toBe(true);
    expect(globToRegExp('a.b+c').test('axbbc')).toBe(false);
  });
});

describe('malformed pidbox messages', () => {
  it('rejects a reply naming two nodes and a request without a method', () => {
    const reply = encodeControlReply({ node: 'a', value: 1, ticket: 't', clock: 1 });
    const two = { ...reply, body: new TextEncoder().encode('{"a": 1, "b": 2}') };
    expect(decodeControlReply(two)).toMatchObject({ ok: false, error: { code: 'invalid', path: '$.body' } });
    const noMethod = { ...reply, body: new TextEncoder().encode('{"arguments": {}}') };
    expect(decodeControlRequest(noMethod)).toMatchObject({ ok: false, error: { code: 'missing', path: '$.body.method' } });
    const badDestination = { ...reply, body: new TextEncoder().encode('{"method": "ping", "destination": "w1"}') };
    expect(decodeControlRequest(badDestination)).toMatchObject({ ok: false, error: { code: 'invalid', path: '$.body.destination' } });
  });
});
