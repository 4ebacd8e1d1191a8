import { describe, expect, it } from 'vitest';
import { parseBindingMember, RedisKeys, restoreIntervalMs, rotated, routeByBindings } from './redis-keys';

const S = '\x06\x16';

describe('Redis keys with kombu global_keyprefix', () => {
  it('prefixes every key', () => {
    const keys = new RedisKeys('app:');
    expect(keys.list('celery', 5)).toBe(`app:celery${S}3`);
    expect(keys.lists('q')).toEqual(['app:q', `app:q${S}3`, `app:q${S}6`, `app:q${S}9`]);
    expect(keys.binding('reply.celery.pidbox')).toBe('app:_kombu.binding.reply.celery.pidbox');
    expect([keys.unacked, keys.unackedIndex, keys.unackedMutex]).toEqual(['app:unacked', 'app:unacked_index', 'app:unacked_mutex']);
  });

  it('pops every queue at step 0 before any at step 3, 6 and 9, as kombu orders BRPOP keys', () => {
    const { keys, queueOf } = new RedisKeys().popOrder(['a', 'b']);
    expect(keys).toEqual(['a', 'b', `a${S}3`, `b${S}3`, `a${S}6`, `b${S}6`, `a${S}9`, `b${S}9`]);
    expect(queueOf.get(`b${S}6`)).toBe('b');
  });

  it('rotates the queue just used to the end (round robin)', () => {
    expect(rotated(['a', 'b', 'c'], 'a')).toEqual(['b', 'c', 'a']);
    expect(rotated(['a', 'b', 'c'], 'b')).toEqual(['a', 'c', 'b']);
    expect(rotated(['a', 'b'], 'gone')).toEqual(['a', 'b']);
  });

  it('looks for timed-out messages as often as the visibility timeout, at most every 100 s', () => {
    expect(restoreIntervalMs(3600)).toBe(100_000);
    expect(restoreIntervalMs(1)).toBe(1_000);
  });
});

describe('routing by a binding table', () => {
  it('parses members', () => {
    expect(parseBindingMember(`celery${S}${S}celery`)).toEqual({ routingKey: 'celery', pattern: '', queue: 'celery' });
    expect(parseBindingMember('no separators')).toBeNull();
  });

  it('routes a direct exchange by exact routing key, each queue once', () => {
    const members = [`oid1${S}${S}oid1.reply.celery.pidbox`, `oid2${S}${S}oid2.reply.celery.pidbox`, `oid1${S}${S}oid1.reply.celery.pidbox`, 'junk'];
    expect(routeByBindings(members, 'oid1')).toEqual(['oid1.reply.celery.pidbox']);
    expect(routeByBindings(members, 'oid3')).toEqual([]);
  });

  it("routes a topic binding by kombu's stored regular expression", () => {
    // TopicExchange.key_to_pattern('image.#') as kombu stores it.
    const members = [`image.#${S}^image\\..*?$${S}images`];
    expect(routeByBindings(members, 'image.png.large')).toEqual(['images']);
    expect(routeByBindings(members, 'video.mp4')).toEqual([]);
  });
});
