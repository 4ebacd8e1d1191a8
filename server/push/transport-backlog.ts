/**
 * Whether a Socket.IO connection can take another batch, read from engine.io's internals because
 * neither Socket.IO nor engine.io (6.6) says it publicly:
 * - `conn.writeBuffer`: packets engine.io holds while its transport is busy (a websocket whose last
 *   frame the OS has not taken, a polling client between two requests). A browser that keeps up
 *   empties it within milliseconds of each flush;
 * - the websocket's `bufferedAmount`: bytes the `ws` library holds because the TCP socket would block.
 * Past either limit the client is stalled or slow, and the push channel skips it (and later tells it to
 * re-fetch) instead of queuing more. Both reads are guarded: if a later engine.io renames them, every
 * socket reads as able to take more, which is today's Socket.IO behaviour, not a crash.
 */

/** Packets waiting: a batch, a ping and the next batch mean the client has not read for a whole flush interval. */
export const MAX_WAITING_PACKETS = 2;
/** Bytes the websocket may hold unsent: a few large batches. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

interface EngineConnection {
  readonly writeBuffer?: readonly unknown[];
  readonly transport?: { readonly socket?: { readonly bufferedAmount?: number } };
}

export function canTakeMore(conn: unknown): boolean {
  const engine = conn as EngineConnection;
  const waiting = Array.isArray(engine.writeBuffer) ? engine.writeBuffer.length : 0;
  const buffered = engine.transport?.socket?.bufferedAmount;
  return waiting < MAX_WAITING_PACKETS && !(typeof buffered === 'number' && buffered > MAX_BUFFERED_BYTES);
}
