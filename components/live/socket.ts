'use client';
/**
 * The browser's one Socket.IO connection to the Pollen server, shared by every component; components
 * subscribe in an effect and remove their listeners in its cleanup. Behind --url-prefix the server
 * listens at `<prefix>/socket.io`.
 */
import { io, type Socket } from 'socket.io-client';
import type { BrokerLink, ClientToServerEvents, HistoryStatus, ServerInfo, ServerToClientEvents } from '@/lib/push/contract';
import { URL_PREFIX } from '../api/api-path';

export type PollenSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: PollenSocket | null = null;

/**
 * What the server last said about itself, its broker link and its history: a component mounted later
 * starts from it. History is null until told (and never told with --db memory).
 */
export const lastHeard: { info: ServerInfo | null; broker: BrokerLink | null; history: HistoryStatus | null } = { info: null, broker: null, history: null };

export function getSocket(): PollenSocket {
  if (socket === null) {
    socket = io({ path: `${URL_PREFIX}/socket.io`, transports: ['websocket', 'polling'] });
    socket.on('server:connected', (info) => {
      lastHeard.info = info;
      // A server started again may keep no history: it says so by not sending any after this.
      lastHeard.history = null;
    });
    socket.on('history:status', (history) => (lastHeard.history = history));
    socket.on('broker:link-changed', (broker) => (lastHeard.broker = broker));
  }
  return socket;
}
