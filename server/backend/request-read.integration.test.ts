/**
 * readBackend against a result backend that accepts the connection and never answers (a paused Redis
 * looks like this): the first read gives up at its deadline, the next ones at once for a while.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '@/lib/backend';
import { BackendUnavailableError, readBackend } from './request-read';

describe('readBackend on a stalled result backend', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let backend: RedisBackend;

  beforeAll(async () => {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    backend = new RedisBackend(`redis://127.0.0.1:${address.port}/1`);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    backend.close().catch(() => undefined);
  });

  it('gives up at the deadline, then answers at once while the stall is fresh', async () => {
    let since = performance.now();
    await expect(readBackend(backend, (b) => b.get('t'), 300)).rejects.toBeInstanceOf(BackendUnavailableError);
    const first = performance.now() - since;
    expect(first).toBeGreaterThanOrEqual(290);
    expect(first).toBeLessThan(2_000);
    since = performance.now();
    await expect(readBackend(backend, (b) => b.get('t'), 300)).rejects.toThrow(/did not answer within 300 ms/);
    expect(performance.now() - since).toBeLessThan(100);
  });
});
