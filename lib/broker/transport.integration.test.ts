/**
 * One contract, every transport: memory, Redis (real redis-server) and AMQP (real RabbitMQ). Events
 * published are received decoded; malformed messages are reported, not fatal; a broker restart is
 * survived without help, and the time it was away is reported as a gap.
 */
import { spawn } from 'node:child_process';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CeleryMessage, decodeEventBody, decodeEventMessage, type DecodeError, encodeEventMessage } from '@/lib/celery';
import { startRabbit, type RabbitServer } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { parseBrokerUrl } from './broker-url';
import { createTransport } from './create-transport';
import { defaultMemoryBroker } from './memory-transport';
import { type EventSink, LinkStatus, type StreamGap, type Transport } from './transport';

class Collected implements EventSink {
  readonly messages: CeleryMessage[] = [];
  readonly malformedSeen: DecodeError[] = [];
  readonly gaps: StreamGap[] = [];
  readonly cuts: { since: number; reason: string }[] = [];
  message(message: CeleryMessage): void {
    this.messages.push(message);
  }
  malformed(error: DecodeError): void {
    this.malformedSeen.push(error);
  }
  heardUntil = 0;
  heard(until: number): void {
    this.heardUntil = Math.max(this.heardUntil, until);
  }
  interrupted(since: number, reason: string): void {
    this.cuts.push({ since, reason });
  }
  gap(gap: StreamGap): void {
    this.gaps.push(gap);
  }
  hostnames(): string[] {
    return this.messages.flatMap((m) => decodeEventMessage(m).events.map((e) => e.hostname));
  }
}


function heartbeat(hostname: string) {
  const event = decodeEventBody({ type: 'worker-heartbeat', hostname, timestamp: Date.now() / 1000, freq: 2, active: 0, processed: 0, loadavg: [0, 0, 0] }).events[0];
  return encodeEventMessage(event ?? [], hostname);
}

interface Setup {
  readonly url: () => string;
  /** Redis only: a client for CONFIG and PUBLISH on the same server, and the server's log. */
  readonly redis?: () => Redis;
  readonly server?: RedisServer;
  readonly serverLog?: () => string;
  /** Publishes bytes that are not a valid event message, the way that broker carries them. */
  readonly publishGarbage?: () => Promise<void>;
  readonly restart?: () => Promise<void>;
  readonly stop: () => Promise<void>;
}

const setups: Record<string, () => Promise<Setup>> = {
  memory: async () => ({
    url: () => 'memory://',
    publishGarbage: async () => defaultMemoryBroker.publish('celeryev', '{"body": "not base64!", "properties": {"body_encoding": "base64"}}'),
    stop: async () => undefined,
  }),
  redis: async () => {
    const redis: RedisServer = await startRedis();
    return {
      url: () => redis.url(2),
      publishGarbage: async () => {
        const client = new Redis(redis.url(2));
        await client.publish('/2.celeryev/worker.heartbeat', 'garbage{');
        client.disconnect();
      },
      redis: () => new Redis(redis.url(2)),
      server: redis,
      serverLog: () => redis.log(),
      restart: () => redis.restart(),
      stop: () => redis.stop(),
    };
  },
  amqp: async () => {
    // A virtual host other than '/', as production clusters use (amqp://.../prod).
    const rabbit: RabbitServer = await startRabbit({ defaultVhost: 'pollen-prod' });
    return {
      url: () => rabbit.url(),
      publishGarbage: async () => {
        const connection = await amqp.connect(rabbit.url());
        const channel = await connection.createChannel();
        channel.publish('celeryev', 'worker.heartbeat', Buffer.from('garbage{'), { contentType: 'application/json', contentEncoding: 'utf-8' });
        await channel.close();
        await connection.close();
      },
      restart: () => rabbit.restart(),
      stop: () => rabbit.stop(),
    };
  },
};

describe.each(Object.keys(setups))('%s transport', (kind) => {
  let setup: Setup;
  let transport: Transport;
  const sink = new Collected();
  /** What the sink had been told was heard when the link first said connected. */
  let heardWhenConnected: number | null = null;

  beforeAll(async () => {
    setup = await (setups[kind] as () => Promise<Setup>)();
    const broker = parseBrokerUrl(setup.url());
    if (!broker.ok) throw new Error(broker.error);
    transport = createTransport(broker.value);
    transport.onStateChange((link) => {
      if (link.status === LinkStatus.Connected) heardWhenConnected ??= sink.heardUntil;
    });
    await transport.subscribeEvents(sink);
    await until('connected', () => transport.state().status === LinkStatus.Connected, 20_000);
  });

  afterAll(async () => {
    await transport?.close();
    await setup?.stop();
  });

  it('receives the events it publishes, decoded', async () => {
    // The subscription may take a moment after connecting: publish until one arrives.
    await until('the first event', () => {
      const { message, routingKey } = heartbeat('first@pollen');
      void transport.publishFanout('celeryev', routingKey, message).catch(() => undefined);
      return sink.hostnames().includes('first@pollen');
    }, 20_000);
    expect(sink.malformedSeen).toEqual([]);
    expect(transport.state()).toMatchObject({ status: 'connected', error: null, attempts: 0 });
  });

  it('starts confirming as it connects, not a probe later: the model never takes its own start-up for silence', () => {
    expect(heardWhenConnected ?? sink.heardUntil).toBeGreaterThan(0);
  });

  it('confirms, again and again, up to when the stream is whole', async () => {
    const before = Date.now();
    await until('a confirmation after now', () => sink.heardUntil >= before, 5_000);
    const next = Date.now();
    await until('a later one', () => sink.heardUntil >= next, 5_000);
  });

  it('reports the backlog of its event queue where it has one (AMQP), null on pub/sub', async () => {
    const backlog = await transport.eventBacklog();
    if (kind === 'amqp') expect(backlog).toBe(0);
    else expect(backlog).toBeNull();
  });

  it('reports malformed messages and keeps going', async () => {
    await setup.publishGarbage?.();
    // Redis and memory wrap a body in an envelope, so garbage is a bad envelope; on AMQP the envelope is
    // the frame itself, and the garbage is a bad body, reported when its events are decoded.
    const badBodies = () => sink.messages.filter((m) => decodeEventMessage(m).errors.length > 0).length;
    await until('a malformed report', () => sink.malformedSeen.length + badBodies() > 0, 10_000);
    const { message, routingKey } = heartbeat('after-garbage@pollen');
    await transport.publishFanout('celeryev', routingKey, message);
    await until('an event after the garbage', () => sink.hostnames().includes('after-garbage@pollen'), 10_000);
  });

  // The memory broker lives in this process and cannot go away.
  if (kind !== 'memory') it('survives a broker restart by itself and reports the gap with its own cause', async () => {
    const states: string[] = [];
    const off = transport.onStateChange((s) => states.push(s.status));
    await setup.restart?.();
    await until('reconnection', () => transport.state().status === LinkStatus.Connected && sink.gaps.length > 0, 60_000);
    off();
    expect(states).toContain('reconnecting');
    expect(sink.gaps[0]?.to).toBeGreaterThanOrEqual(sink.gaps[0]?.from ?? Infinity);
    // Told as it began, so the model stops judging workers by silence at once.
    expect(sink.cuts.length).toBeGreaterThan(0);
    expect(sink.cuts[0]?.since).toBeLessThanOrEqual(sink.gaps[0]?.to ?? 0);
    await until('an event after the restart', () => {
      const { message, routingKey } = heartbeat('after-restart@pollen');
      void transport.publishFanout('celeryev', routingKey, message).catch(() => undefined);
      return sink.hostnames().includes('after-restart@pollen');
    }, 30_000);
  });

  if (kind === 'redis') {
    it('reconnects and reports the gap after Redis drops it as a slow subscriber (client-output-buffer-limit)', async () => {
      const admin = (setup.redis as () => Redis)();
      await admin.config('SET', 'client-output-buffer-limit', 'pubsub 256kb 128kb 1');
      const gapsBefore = sink.gaps.length;
      // A publisher in another process floods 1 KB events while this process is too busy to read.
      const flood = spawn(process.execPath, ['-e', `
        const { Redis } = require('ioredis');
        const r = new Redis(process.argv[1]);
        const payload = 'x'.repeat(1024);
        const p = r.pipeline();
        for (let i = 0; i < 20000; i++) p.publish('/2.celeryev/worker.heartbeat', payload);
        p.exec().then(() => r.quit());
      `, setup.url()], { cwd: process.cwd(), stdio: 'ignore' });
      const stoppedReading = Date.now();
      const busyUntil = stoppedReading + 3_000;
      while (Date.now() < busyUntil) {
        // Deliberately block the event loop: this is the slow subscriber.
      }
      await new Promise<void>((resolve) => flood.once('exit', () => resolve()));
      await until('reconnection after the drop', () => sink.gaps.length > gapsBefore && transport.state().status === LinkStatus.Connected, 30_000);
      // It was Redis that dropped us, for the output buffer.
      expect(setup.serverLog?.()).toMatch(/closed ASAP for overcoming of output buffer limits/);
      // The gap says so (not the earlier restart's ECONNREFUSED), and starts no later than the moment this
      // process stopped reading: the events lost were those Redis held for it, not those after the close.
      const gap = sink.gaps[sink.gaps.length - 1] as StreamGap;
      expect(gap.reason).toMatch(/behind.*output buffer/);
      expect(gap.reason).not.toMatch(/ECONNREFUSED/);
      expect(gap.from).toBeLessThanOrEqual(stoppedReading);
      expect(gap.from).toBeGreaterThan(stoppedReading - 2_500);
      await admin.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
      admin.disconnect();
      await until('an event after the drop', () => {
        const { message, routingKey } = heartbeat('after-drop@pollen');
        void transport.publishFanout('celeryev', routingKey, message).catch(() => undefined);
        return sink.hostnames().includes('after-drop@pollen');
      }, 20_000);
    });

    it('takes a paused Redis (SIGSTOP) for an outage, and reports the gap when it answers again', async () => {
      const server = setup.server as RedisServer;
      const cutsBefore = sink.cuts.length;
      const gapsBefore = sink.gaps.length;
      const pausedAt = Date.now();
      server.pause();
      try {
        await until('the stall noticed', () => sink.cuts.length > cutsBefore, 10_000);
        expect(Date.now() - pausedAt).toBeLessThan(6_000);
        expect(transport.state()).toMatchObject({ status: 'reconnecting' });
        expect(transport.state().error).toMatch(/stopped answering/);
        expect(sink.cuts[sink.cuts.length - 1]?.since).toBeLessThanOrEqual(pausedAt);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
      } finally {
        server.resume();
      }
      await until('back after the pause', () => sink.gaps.length > gapsBefore && transport.state().status === LinkStatus.Connected, 20_000);
      expect(sink.gaps[sink.gaps.length - 1]?.reason).toMatch(/stopped answering/);
      await until('an event after the pause', () => {
        const { message, routingKey } = heartbeat('after-pause@pollen');
        void transport.publishFanout('celeryev', routingKey, message).catch(() => undefined);
        return sink.hostnames().includes('after-pause@pollen');
      }, 20_000);
    });
  }
});
