/**
 * Socket.IO on the dashboard's HTTP server: the live push channel to browsers, typed by
 * lib/push/contract. Every client hears `server:connected` and the broker link (`broker:link-changed`,
 * for the "broker down" banner); what else it hears it asks for with `subscription:create`
 * (live-push.ts). A handler never throws into Socket.IO: a bad request is answered with an error ack,
 * and only that request fails.
 */
import type { IncomingHttpHeaders, Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { LinkState } from '@/lib/broker';
import type { BrokerLink, ClientToServerEvents, PushError, ServerToClientEvents } from '@/lib/push/contract';
import { createLogger, type Logger } from '@/lib/runtime/logger';
import { historyStatus } from '../history/history-status';
import type { RouteContext } from '../http/route-types';
import { LivePush, type PushOutlet } from './live-push';
import { pushError } from './subscription-request';
import { canTakeMore } from './transport-backlog';

/** How often history's state is looked at for a change to push. */
const HISTORY_POLL_MS = 1000;

export type PushServer = Server<ClientToServerEvents, ServerToClientEvents>;
type PushSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface PushOptions {
  /** Socket.IO's path, under the URL prefix. */
  readonly path: string;
  /**
   * Why a handshake is refused (its origin, its credentials: the same rules as the pages and controls),
   * or null to let it in. Asked at each handshake: a refused client never learns a session id, without
   * which no later request of that session is served.
   */
  readonly refuse: (headers: IncomingHttpHeaders) => string | null;
  /** Origins besides Pollen's own that may connect (`--allowed-origins`): their polling needs CORS. */
  readonly allowedOrigins?: readonly string[];
  /** Where push failures are logged (default: a new logger at `warn`). */
  readonly log?: Logger;
}

function brokerLink(link: LinkState): BrokerLink {
  return { status: link.status, since: link.since, error: link.error, attempts: link.attempts };
}

function socketOutlet(io: PushServer): PushOutlet {
  return {
    send: (socketIds, batch) => {
      // Every socket is in the room of its own id; a broadcast encodes the packet once for all of them.
      io.to(socketIds as string[]).emit('subscriptions:updated', batch);
    },
    invalidate: (socketId, invalidation) => {
      io.to(socketId).emit('subscriptions:invalidated', invalidation);
    },
    canTake: (socketId) => {
      const socket = io.sockets.sockets.get(socketId);
      return socket !== undefined && canTakeMore(socket.conn);
    },
  };
}

/**
 * Serves one request whatever the client sent: without a payload the ack comes first (`emit(event,
 * ack)`), without an ack nobody is answered, and a handler that throws becomes an `internal` error.
 */
function serve(socket: PushSocket, log: Logger, event: string, args: readonly unknown[], handle: (request: unknown) => unknown): void {
  const ack = args[args.length - 1];
  const request = typeof args[0] === 'function' ? undefined : args[0];
  let reply: unknown;
  try {
    reply = handle(request);
  } catch (err) {
    log.error({ err, event, socket: socket.id }, 'push request failed');
    const error: PushError = pushError('internal', 'the server failed to handle this request');
    reply = { ok: false, error };
  }
  if (typeof ack === 'function') (ack as (reply: unknown) => void)(reply);
}

export function attachPush(httpServer: HttpServer, context: RouteContext, options: PushOptions): PushServer {
  const log = (options.log ?? createLogger('warn')).child({ scope: 'push' });
  const io: PushServer = new Server(httpServer, {
    path: options.path,
    serveClient: false,
    // Next's dev server owns /_next/hmr upgrades; engine.io must not close sockets that are not its own.
    destroyUpgrade: false,
    // Clients send only small requests; anything bigger is not ours.
    maxHttpBufferSize: 1e6,
    ...(options.allowedOrigins !== undefined && options.allowedOrigins.length > 0 && { cors: { origin: [...options.allowedOrigins], credentials: true } }),
    allowRequest: (req, callback) => {
      const refused = options.refuse(req.headers);
      callback(refused, refused === null);
    },
  });
  const push = new LivePush({ state: context.store, metrics: context.metrics }, socketOutlet(io), {
    onError: (err) => log.error({ err }, 'push flush failed'),
  });
  const transport = context.collector?.transport ?? null;
  const stopListening = context.collector ? context.store.onChange(push.onChange) : null;
  const stopSettled = context.collector ? context.store.onSettled(push.onChange) : null;
  const stopLink = transport?.onStateChange((link) => io.emit('broker:link-changed', brokerLink(link))) ?? null;

  // History's state is polled (a cheap read of the write-behind's counters) and sent when it changes.
  let lastHistory = '';
  const historyTimer = context.store.historyWriting() === null ? null : setInterval(() => {
    void historyStatus(context.store).then((status) => {
      if (status === null) return;
      // While lagging the counts move: the banner shows them as they are, once a second at most.
      const key = JSON.stringify([status.state, status.error, status.notListening, status.state === 'lagging' ? [status.pendingEvents, status.droppedEvents] : null]);
      if (key === lastHistory) return;
      lastHistory = key;
      io.emit('history:status', status);
    });
  }, HISTORY_POLL_MS);
  historyTimer?.unref();

  io.on('connection', (socket: PushSocket) => {
    socket.emit('server:connected', context.info);
    if (transport !== null) socket.emit('broker:link-changed', brokerLink(transport.state()));
    void historyStatus(context.store).then((status) => {
      if (status !== null) socket.emit('history:status', status);
    });
    // Typed as the contract says; checked at run time by LivePush, which trusts nothing a client sends.
    socket.on('subscription:create', (...args: unknown[]) => serve(socket, log, 'subscription:create', args, (request) => push.subscribe(socket.id, request)));
    socket.on('subscription:cancel', (...args: unknown[]) => serve(socket, log, 'subscription:cancel', args, (request) => push.cancel(socket.id, request)));
    socket.on('disconnect', () => push.disconnect(socket.id));
  });
  // io.close() closes the HTTP server: the push channel's timers and listeners go with it.
  httpServer.once('close', () => {
    stopListening?.();
    stopSettled?.();
    stopLink?.();
    if (historyTimer !== null) clearInterval(historyTimer);
    push.stop();
  });
  return io;
}
