/**
 * Socket.IO on the dashboard's HTTP server: the live push channel to browsers. Typed by lib/push/contract.
 */
import type { IncomingHttpHeaders, Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@/lib/push/contract';
import type { RouteContext } from '../http/route-types';

export type PushServer = Server<ClientToServerEvents, ServerToClientEvents>;

export interface PushOptions {
  /** Socket.IO's path, under the URL prefix. */
  readonly path: string;
  /** Whether a handshake's headers pass authentication (the same rule as the pages). */
  readonly authorize: (headers: IncomingHttpHeaders) => boolean;
}

export function attachPush(httpServer: HttpServer, context: RouteContext, options: PushOptions): PushServer {
  const io: PushServer = new Server(httpServer, {
    path: options.path,
    serveClient: false,
    // Next's dev server owns /_next/hmr upgrades; engine.io must not close sockets that are not its own.
    destroyUpgrade: false,
    // A stalled client must not make the server buffer without bound.
    maxHttpBufferSize: 1e6,
    allowRequest: (req, callback) => callback(options.authorize(req.headers) ? null : 'authentication required', options.authorize(req.headers)),
  });
  io.on('connection', (socket) => {
    socket.emit('server:connected', context.info);
  });
  return io;
}
