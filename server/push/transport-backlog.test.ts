import { describe, expect, it } from 'vitest';
import { canTakeMore, MAX_BUFFERED_BYTES } from './transport-backlog';

describe('canTakeMore', () => {
  it.each([
    ['an idle websocket', { writeBuffer: [], transport: { socket: { bufferedAmount: 0 } } }, true],
    ['a websocket busy with one batch', { writeBuffer: ['batch'], transport: { socket: { bufferedAmount: 0 } } }, true],
    ['a client that has not read for a flush interval', { writeBuffer: ['batch', 'ping'], transport: { socket: { bufferedAmount: 0 } } }, false],
    ['a websocket holding more than its byte limit', { writeBuffer: [], transport: { socket: { bufferedAmount: MAX_BUFFERED_BYTES + 1 } } }, false],
    ['a polling client between two requests', { writeBuffer: ['batch'], transport: {} }, true],
    ['an engine.io that renamed its internals', {}, true],
  ])('%s: %s', (_name, conn, expected) => {
    expect(canTakeMore(conn)).toBe(expected);
  });
});
