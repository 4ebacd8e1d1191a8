/**
 * The broker URLs Celery users write, against real servers: Redis with a password, an ACL user, TLS
 * (`rediss://`), Sentinel (`sentinel://`) and a database other than 0; RabbitMQ over TLS (`amqps://`).
 * A wrong password is a reported link error, never a crash.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CeleryMessage, decodeEventBody, decodeEventMessage, encodeEventMessage } from '@/lib/celery';
import { type RabbitServer, startRabbit } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { parseBrokerUrl } from './broker-url';
import { createTransport } from './create-transport';
import { LinkStatus, type Transport } from './transport';


function transportFor(url: string): Transport {
  const broker = parseBrokerUrl(url);
  if (!broker.ok) throw new Error(broker.error);
  return createTransport(broker.value);
}

/** Subscribes through `url`, publishes through it, and expects the event back. */
async function roundTrip(url: string): Promise<void> {
  const transport = transportFor(url);
  const received: CeleryMessage[] = [];
  try {
    await transport.subscribeEvents({ message: (m) => received.push(m), malformed: () => undefined, heard: () => undefined, interrupted: () => undefined, gap: () => undefined });
    const event = decodeEventBody({ type: 'worker-heartbeat', hostname: 'probe@pollen', timestamp: Date.now() / 1000 }).events[0];
    await until(`an event through ${url}`, () => {
      const { message, routingKey } = encodeEventMessage(event ?? [], 'probe@pollen');
      void transport.publishFanout('celeryev', routingKey, message).catch(() => undefined);
      return received.some((m) => decodeEventMessage(m).events[0]?.hostname === 'probe@pollen');
    }, 20_000);
    expect(transport.state().status).toBe(LinkStatus.Connected);
  } finally {
    await transport.close();
  }
}

const servers: RedisServer[] = [];
const rabbits: RabbitServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const server of servers.reverse()) await server.stop();
  for (const rabbit of rabbits) await rabbit.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('broker connection options', () => {
  it('a password, an ACL user and a database number', async () => {
    const redis = await startRedis({ args: () => ['--requirepass', 's3cret', '--user', 'alice', 'on', '>wonder', '~*', '&*', '+@all'] });
    servers.push(redis);
    await roundTrip(`redis://:s3cret@127.0.0.1:${redis.port}/5`);
    await roundTrip(`redis://alice:wonder@127.0.0.1:${redis.port}/0`);
  });

  it('reports a wrong password as a link error and keeps trying, without crashing', async () => {
    const redis = await startRedis({ args: () => ['--requirepass', 's3cret'] });
    servers.push(redis);
    const transport = transportFor(`redis://:wrong@127.0.0.1:${redis.port}/0`);
    try {
      await transport.subscribeEvents({ message: () => undefined, malformed: () => undefined, heard: () => undefined, interrupted: () => undefined, gap: () => undefined });
      await until('the password error', () => /WRONGPASS|invalid password|NOAUTH/i.test(transport.state().error ?? ''), 10_000);
      expect(transport.state().status).not.toBe(LinkStatus.Connected);
    } finally {
      await transport.close();
    }
  });

  it('TLS with rediss://', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pollen-tls-'));
    dirs.push(dir);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const redis = await startRedis({
      tls: true,
      args: () => ['--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no'],
    });
    servers.push(redis);
    // A self-signed certificate: Celery users say so with ssl_cert_reqs=none (CERT_NONE).
    await roundTrip(`rediss://127.0.0.1:${redis.port}/0?ssl_cert_reqs=none`);
  });

  it('Sentinel with sentinel://, finding the master by name', async () => {
    const master = await startRedis();
    servers.push(master);
    const dir = mkdtempSync(join(tmpdir(), 'pollen-sentinel-'));
    dirs.push(dir);
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, `bind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\n`);
    const sentinel = await startRedis({ sentinel: true, args: () => [conf] });
    servers.push(sentinel);
    await roundTrip(`sentinel://127.0.0.1:${sentinel.port}/0?master_name=mymaster`);
  });

  it('AMQP over TLS with amqps://', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pollen-amqps-'));
    dirs.push(dir);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const rabbit = await startRabbit({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } });
    rabbits.push(rabbit);
    await roundTrip(`amqps://guest:guest@127.0.0.1:${rabbit.tlsPort}//?ssl_cert_reqs=none`);
  });
});
