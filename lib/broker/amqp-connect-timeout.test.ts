/**
 * A broker that accepts the socket and then says nothing (a RabbitMQ node half-way through a restart, a
 * wedged proxy): the AMQP handshake gives up, the link says why, and reconnection goes on by itself.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpTransport } from './amqp-transport';
import { parseBrokerUrl } from './broker-url';
import { LinkStatus } from './transport';

const sockets = new Set<Socket>();
let server: Server | null = null;
let transport: AmqpTransport | null = null;

afterEach(async () => {
  await transport?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
});

const sink = { message: () => undefined, malformed: () => undefined, heard: () => undefined, interrupted: () => undefined, gap: () => undefined };

describe('an AMQP broker that never answers the handshake', () => {
  it('times the handshake out, reports it on the link, and keeps trying', async () => {
    let accepted = 0;
    server = createServer((socket) => {
      accepted++;
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const url = parseBrokerUrl(`amqp://guest:guest@127.0.0.1:${port}//`);
    if (!url.ok) throw new Error(url.error);
    transport = new AmqpTransport(url.value, { connectTimeoutMs: 300 });
    await transport.subscribeEvents(sink);
    const deadline = Date.now() + 5_000;
    while (accepted < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(accepted).toBeGreaterThanOrEqual(3);
    expect(transport.state()).toMatchObject({ status: LinkStatus.Connecting, error: expect.stringMatching(/ETIMEDOUT/) });
  });
});
