/**
 * The Redis result backend's connections against real redis-servers: rediss:// with a password, a
 * database and certificate options; a Redis restart and a lost subscriber connection under watchers.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { taskKey } from './codec';
import { createResultBackend } from './create-result-backend';
import { RedisBackend } from './redis-backend';
import type { ResultBackend } from './result-backend';
import { taskMeta } from './test-meta';

const opened: ResultBackend[] = [];
function open(url: string): ResultBackend {
  const backend = createResultBackend(url);
  opened.push(backend);
  return backend;
}

describe('connections', () => {
  const servers: RedisServer[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const backend of opened) await backend.close().catch(() => undefined);
    for (const s of servers) await s.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('rediss:// with a password and a database, verifying the certificate with ssl_ca_certs or not at all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pollen-backend-tls-'));
    dirs.push(dir);
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const tls = await startRedis({ tls: true, args: () => ['--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no', '--requirepass', 's3cret'] });
    servers.push(tls);
    for (const query of ['ssl_cert_reqs=none', `ssl_cert_reqs=required&ssl_ca_certs=${encodeURIComponent(cert)}`]) {
      const backend = open(`rediss://:s3cret@127.0.0.1:${tls.port}/3?${query}`);
      expect(backend.display).toContain(':********@');
      const id = randomUUID();
      const waiting = backend.waitForReady(id, 10_000);
      await backend.store(taskMeta(id, 'SUCCESS', { result: query }));
      expect((await waiting).result).toBe(query);
    }
    // Verification on (Celery's 'required') without the CA: the self-signed certificate is refused.
    const errors: Error[] = [];
    const strict = new RedisBackend(`rediss://:s3cret@127.0.0.1:${tls.port}/3?ssl_cert_reqs=required`, { onError: (e) => errors.push(e) });
    opened.push(strict);
    void strict.get('x').catch(() => undefined);
    await until('the certificate error', () => errors.some((e) => /self[- ]signed/i.test(e.message)), 10_000);
  });

  it('watchers survive a Redis restart (re-subscribed) and a lost subscriber connection (the key is read again)', async () => {
    const own = await startRedis();
    servers.push(own);
    const backend = open(own.url(0));
    const writer = open(own.url(0));
    const admin = new Redis({ port: own.port, host: '127.0.0.1', protocol: 2, maxRetriesPerRequest: null });
    try {
      const [first, second] = [randomUUID(), randomUUID()];
      const seen: string[] = [];
      await backend.watch(first, (m) => seen.push(m.status));
      const waiting = backend.waitForReady(first, 20_000);
      await own.restart();
      // A fresh server knows no subscription until ours comes back by itself.
      await until('the re-subscription', async () => Number(((await admin.pubsub('NUMSUB', taskKey(first))) as unknown[])[1]) === 1, 10_000);
      await writer.store(taskMeta(first, 'SUCCESS', { result: 'after restart' }));
      expect((await waiting).result).toBe('after restart');
      await until('the watcher to see SUCCESS', () => seen.includes('SUCCESS'), 10_000);

      // Kill our subscriber connection and store at once: the PUBLISH reaches nobody (we reconnect after
      // >= 80 ms), so only reading the key again after the reconnection can deliver it.
      const waitingAgain = backend.waitForReady(second, 10_000);
      await until('the subscription', async () => Number(((await admin.pubsub('NUMSUB', taskKey(second))) as unknown[])[1]) === 1, 5000);
      const clients = (await admin.client('LIST')) as string;
      const subscriber = clients.split('\n').find((l) => l.includes('name=pollen-results') && /\bsub=[1-9]/.test(l));
      const clientId = /\bid=(\d+)/.exec(subscriber ?? '')?.[1];
      expect(clientId).toBeDefined();
      await admin.client('KILL', 'ID', clientId as string);
      await writer.store(taskMeta(second, 'SUCCESS', { result: 'while away' }));
      expect((await waitingAgain).result).toBe('while away');
    } finally {
      admin.disconnect();
    }
  });
});
