/**
 * A browser that stops reading must not make the server buffer without bound. Two real socket.io
 * clients follow a large task list on a real Pollen server (memory broker, events fed to its collector);
 * one stops reading its TCP socket. The server keeps at most a bounded backlog for it (engine.io's
 * packet buffer and the websocket's unsent bytes), skips it, keeps serving the other client, and tells
 * it to re-fetch once it reads again.
 */
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEventJson, type JsonObject } from '@/lib/celery';
import type { ClientToServerEvents, Invalidation, PushBatch, ServerToClientEvents } from '@/lib/push/contract';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { until } from '@/test/harness/until';
import { MAX_BUFFERED_BYTES, MAX_WAITING_PACKETS } from './transport-backlog';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** 2 kB of args per task: a 500-row window is about 1.3 MB per batch, enough to fill a stalled client's socket buffers in seconds. */
const ARGS = `('${'x'.repeat(2000)}',)`;

describe('a client that stops reading', () => {
  let pollen: TestPollen;
  const clients: Client[] = [];
  const batches = { reader: 0, stalled: 0 };
  const invalidations: Invalidation[] = [];

  beforeAll(async () => {
    pollen = await startPollen({ broker: 'memory://' });
    for (const name of ['reader', 'stalled'] as const) {
      const client: Client = connect(pollen.url, { path: '/socket.io', transports: ['websocket'], forceNew: true });
      client.on('subscriptions:updated', (_batch: PushBatch) => batches[name]++);
      if (name === 'stalled') client.on('subscriptions:invalidated', (invalidation) => invalidations.push(invalidation));
      await new Promise<void>((resolve) => client.once('connect', () => resolve()));
      const ack = await client.timeout(5000).emitWithAck('subscription:create', { topic: 'tasks', limit: 500 });
      expect(ack.ok).toBe(true);
      clients.push(client);
    }
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await pollen?.close();
  });

  /** The server-side engine.io connection of a client, and what it holds for it. */
  function backlog(client: Client): { packets: number; bytes: number } {
    const socket = pollen.server.io.sockets.sockets.get(client.id as string);
    const conn = socket?.conn as unknown as { writeBuffer: unknown[]; transport: { socket?: { bufferedAmount?: number } } };
    return { packets: conn.writeBuffer.length, bytes: conn.transport.socket?.bufferedAmount ?? 0 };
  }

  it('is skipped with a bounded backlog, and told to re-fetch when it reads again', async () => {
    const collector = pollen.server.context.collector;
    if (collector === null) throw new Error('no collector');
    const [reader, stalled] = clients as [Client, Client];
    // The client's TCP socket, under socket.io-client's engine and the ws library.
    const tcp = (stalled.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();

    let worst = { packets: 0, bytes: 0 };
    let n = 0;
    const deadline = Date.now() + 6000;
    while (Date.now() < deadline) {
      const events: JsonObject[] = [];
      for (let i = 0; i < 24; i++, n++) {
        events.push({ type: 'task-received', uuid: `task-${n}`, name: 'tasks.big', args: ARGS, kwargs: '{}', hostname: 'celery@w1', timestamp: Date.now() / 1000, utcoffset: 0, pid: 1, clock: n });
      }
      collector.ingest(encodeEventJson(events, 'celery@w1').message, Date.now());
      const now = backlog(stalled);
      worst = { packets: Math.max(worst.packets, now.packets), bytes: Math.max(worst.bytes, now.bytes) };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const during = { ...batches };
    console.log(`fed ${n} tasks in 6 s; batches received: reader ${during.reader}, stalled ${during.stalled}; worst backlog held for the stalled client: ${worst.packets} packets, ${(worst.bytes / 1048576).toFixed(2)} MiB unsent in ws`);
    expect(worst.packets).toBeLessThanOrEqual(MAX_WAITING_PACKETS + 1);
    // What ws holds past the limit is at most one batch more (about 1.3 MB here).
    expect(worst.bytes).toBeLessThan(MAX_BUFFERED_BYTES + 2 * 1024 * 1024);
    expect(during.reader).toBeGreaterThan(15);
    expect(invalidations).toEqual([]);

    tcp.resume();
    const invalidation = await until('the stalled client to be invalidated', () => invalidations[0], 15_000);
    expect(invalidation.reason).toBe('stalled');
    const after = batches.stalled;
    collector.ingest(encodeEventJson([{ type: 'task-received', uuid: 'after', name: 'tasks.big', args: '()', kwargs: '{}', hostname: 'celery@w1', timestamp: Date.now() / 1000, utcoffset: 0, pid: 1, clock: n }], 'celery@w1').message, Date.now());
    await until('the stalled client to get batches again', () => batches.stalled > after, 15_000);
    expect(reader.connected && stalled.connected).toBe(true);
  });
});
