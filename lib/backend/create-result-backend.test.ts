import { describe, expect, it } from 'vitest';
import { parseBackendUrl } from './backend-url';
import { createResultBackend } from './create-result-backend';
import { MemoryBackend } from './memory-backend';
import { RedisBackend } from './redis-backend';

describe('createResultBackend', () => {
  it('memory:// is the process-wide in-memory backend', async () => {
    const backend = createResultBackend('memory://');
    expect(backend).toBeInstanceOf(MemoryBackend);
    expect(backend.display).toBe('memory://');
    await backend.close();
  });

  it('redis:// and rediss:// make a Redis backend without connecting, password masked', async () => {
    const backend = createResultBackend('redis://:s3cret@127.0.0.1:1/2');
    expect(backend).toBeInstanceOf(RedisBackend);
    expect(backend.display).toBe('redis://:********@127.0.0.1:1/2');
    await backend.close();
    const tls = createResultBackend('rediss://cache.example:6380/0?ssl_cert_reqs=CERT_NONE', { expires: 60 });
    expect(tls).toBeInstanceOf(RedisBackend);
    expect((tls as RedisBackend).expires).toBe(60);
    await tls.close();
  });

  it.each([
    ['rpc://', /rpc:\/\/ result backend .*not supported; Pollen supports redis:\/\/, rediss:\/\/, memory:\/\//],
    ['db+postgresql://user@host/db', /database result backend \(db\+postgresql:\/\/, SQLAlchemy\) is not supported/],
    ['amqp://guest@localhost//', /unsupported result backend scheme 'amqp'/],
    ['mongodb://localhost', /unsupported result backend scheme 'mongodb'/],
    ['sentinel://localhost:26379', /sentinel:\/\/ result backend is not supported yet/],
    ['', /not a result backend URL/],
    ['localhost:6379', /unsupported result backend scheme 'localhost'/],
    ['redis://localhost/abc', /database must be a number, got 'abc'/],
    ['rediss://localhost?ssl_cert_reqs=maybe', /ssl_cert_reqs must be one of/],
  ])('refuses %j with a clear message', (url, message) => {
    expect(() => createResultBackend(url)).toThrow(message);
    expect(parseBackendUrl(url)).toMatchObject({ ok: false });
  });

  it('reads the database and TLS options as Celery does', () => {
    const parsed = parseBackendUrl('rediss://alice:pw@h:6390/3?ssl_cert_reqs=required');
    expect(parsed).toMatchObject({ ok: true, value: { tls: true, db: 3, username: 'alice', password: 'pw', hosts: [{ host: 'h', port: 6390 }] } });
  });
});
