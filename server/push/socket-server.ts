/**
 * Socket.IO on the dashboard's HTTP server: the live push channel to browsers. Typed by lib/push/contract.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerInfo, ServerToClientEvents } from '@/lib/push/contract';

export type PushServer = Server<ClientToServerEvents, ServerToClientEvents>;

export function attachPush(httpServer: HttpServer, info: ServerInfo): PushServer {
  const io: PushServer = new Server(httpServer, {
    serveClient: false,
    // Next's dev server owns /_next/hmr upgrades; engine.io must not close sockets that are not its own.
    destroyUpgrade: false,
    // A stalled client must not make the server buffer without bound.
    maxHttpBufferSize: 1e6,
  });
  io.on('connection', (socket) => {
    socket.emit('server:connected', info);
  });
  return io;
}
