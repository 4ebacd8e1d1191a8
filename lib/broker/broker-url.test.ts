import { describe, expect, it } from 'vitest';
import { mask, parseBrokerUrl } from './broker-url';

describe('broker URLs', () => {
  it.each([
    ['redis://localhost:6379/0', { kind: 'redis', tls: false, hosts: [{ host: 'localhost', port: 6379 }], db: 0, password: null }],
    ['redis://:s3cret@10.0.0.5/3', { kind: 'redis', hosts: [{ host: '10.0.0.5', port: 6379 }], db: 3, password: 's3cret', username: null }],
    ['rediss://user:p%40ss@redis.example:6380/1?ssl_cert_reqs=required', { kind: 'redis', tls: true, username: 'user', password: 'p@ss', db: 1, options: { ssl_cert_reqs: 'required' } }],
    ['sentinel://:pw@s1:26379;sentinel://:pw@s2:26380/2?master_name=mymaster', { kind: 'redis', sentinel: true, hosts: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], db: 2, options: { master_name: 'mymaster' } }],
    ['amqp://guest:guest@localhost:5672//', { kind: 'amqp', vhost: '/', username: 'guest', password: 'guest' }],
    ['amqp://guest@rabbit/production', { kind: 'amqp', vhost: 'production', hosts: [{ host: 'rabbit', port: 5672 }] }],
    ['amqps://u:p@rabbit', { kind: 'amqp', tls: true, vhost: '/', hosts: [{ host: 'rabbit', port: 5671 }] }],
    ['pyamqp://localhost', { kind: 'amqp' }],
    ['memory://', { kind: 'memory', hosts: [] }],
  ])('%s', (text, expected) => {
    expect(parseBrokerUrl(text)).toMatchObject({ ok: true, value: expected });
  });

  it.each([
    ['', 'empty'],
    ['localhost:6379', 'unsupported broker scheme'],
    ['sqs://', 'unsupported broker scheme'],
    ['redis://localhost/abc', 'must be a number'],
    ['redis://a;redis://b', "only sentinel:// URLs"],
    ['redis://[::1', 'not a URL'],
  ])('rejects %j, saying why', (text, message) => {
    const result = parseBrokerUrl(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it('never shows a password', () => {
    expect(mask('amqp://guest:guest@localhost//')).toBe('amqp://guest:********@localhost//');
    expect(mask('sentinel://:a@s1;sentinel://:b@s2')).toBe('sentinel://:********@s1;sentinel://:********@s2');
    expect(parseBrokerUrl('redis://:top@h/0')).toMatchObject({ ok: true, value: { display: 'redis://:********@h/0' } });
    const bad = parseBrokerUrl('redis://:top@[bad/0');
    expect(bad.ok || bad.error).not.toContain('top');
  });
});
