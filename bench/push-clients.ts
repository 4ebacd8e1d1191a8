/**
 * The browsers for bench/push.ts, in their own process so that their work is not counted as the
 * server's: CLIENTS socket.io-client connections to a Pollen server, each subscribed to the overview
 * and to a task list of 50 rows, counting what they receive. Prints `ready` once every subscription is
 * acknowledged; on a line `report` on stdin prints {"batches", "updates", "bytes", "invalidations"} and exits.
 *
 *   node --import tsx bench/push-clients.ts <server url> <clients>
 */
import { createInterface } from 'node:readline';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@/lib/push/contract';

const [url = 'http://127.0.0.1:5555', countText = '200'] = process.argv.slice(2);
const count = Number(countText);
const totals = { batches: 0, updates: 0, bytes: 0, invalidations: 0 };
const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];

for (let i = 0; i < count; i++) {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { path: '/socket.io', transports: ['websocket'], forceNew: true });
  socket.on('subscriptions:updated', (batch) => {
    totals.batches++;
    totals.updates += batch.updates.length;
  });
  socket.on('subscriptions:invalidated', () => totals.invalidations++);
  socket.io.engine?.on('packet', (packet: { data?: unknown }) => {
    if (typeof packet.data === 'string') totals.bytes += packet.data.length;
  });
  sockets.push(socket);
}

await Promise.all(
  sockets.map(async (socket) => {
    if (!socket.connected) await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const acks = await Promise.all([
      socket.timeout(30_000).emitWithAck('subscription:create', { topic: 'overview' }),
      socket.timeout(30_000).emitWithAck('subscription:create', { topic: 'tasks', limit: 50 }),
    ]);
    if (!acks.every((ack) => ack.ok)) throw new Error(`subscribe failed: ${JSON.stringify(acks)}`);
  }),
);
// Count only what the measured run sends, not the subscriptions' first values.
await new Promise((resolve) => setTimeout(resolve, 500));
Object.assign(totals, { batches: 0, updates: 0, bytes: 0, invalidations: 0 });
console.log('ready');

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'report') continue;
  console.log(JSON.stringify(totals));
  for (const socket of sockets) socket.close();
  process.exit(0);
}
