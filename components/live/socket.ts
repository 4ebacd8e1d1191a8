'use client';
/**
 * The browser's one Socket.IO connection to the Pollen server, shared by every component; components
 * subscribe in an effect and remove their listeners in its cleanup. Behind --url-prefix the server
 * listens at `<prefix>/socket.io`.
 */
import { io, type Socket } from 'socket.io-client';
import type { BrokerLink, ClientToServerEvents, ServerInfo, ServerToClientEvents } from '@/lib/push/contract';
import { URL_PREFIX } from '../api/api-path';

export type PollenSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: PollenSocket | null = null;

/** What the server last said about itself and its broker link: a component mounted later starts from it. */
export const lastHeard: { info: ServerInfo | null; broker: BrokerLink | null } = { info: null, broker: null };

export function getSocket(): PollenSocket {
  if (socket === null) {
    socket = io({ path: `${URL_PREFIX}/socket.io`, transports: ['websocket', 'polling'] });
    socket.on('server:connected', (info) => (lastHeard.info = info));
    socket.on('broker:link-changed', (broker) => (lastHeard.broker = broker));
  }
  return socket;
}
