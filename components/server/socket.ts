'use client';
/**
 * The browser's one Socket.IO connection to the Pollen server, shared by every component; components
 * subscribe in an effect and remove their listeners in its cleanup.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@/lib/push/contract';

export type PollenSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: PollenSocket | null = null;

export function getSocket(): PollenSocket {
  socket ??= io({ transports: ['websocket', 'polling'] });
  return socket;
}
