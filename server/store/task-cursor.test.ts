import { describe, expect, it } from 'vitest';
import { comparePositions, type Cursor, decodeCursor, encodeCursor, type Position } from './task-cursor';

describe('task cursors', () => {
  const cursor: Cursor = { epoch: 'e1', sort: 'received', order: 'desc', filter: 'abc', position: { value: 1700000000.25, seq: 42 } };

  it('round-trips, opaque and URL-safe', () => {
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
    expect(decodeCursor(encodeCursor({ ...cursor, position: { value: null, seq: 7 } }))?.position).toEqual({ value: null, seq: 7 });
  });

  it.each(['', 'not base64 at all!', Buffer.from('{"e":1}').toString('base64url'), Buffer.from('[]').toString('base64url'), Buffer.from(JSON.stringify({ e: 'e', s: 'name', o: 'asc', f: '', v: 1, q: 1 })).toString('base64url')])(
    'rejects %j',
    (text) => {
      expect(decodeCursor(text)).toBeNull();
    },
  );

  it('orders by value in the given direction, ties by arrival, and tasks without the value last either way', () => {
    const rows: Position[] = [
      { value: 5, seq: 3 },
      { value: null, seq: 1 },
      { value: 2, seq: 4 },
      { value: 5, seq: 2 },
      { value: null, seq: 5 },
    ];
    const sorted = (order: 'asc' | 'desc') => [...rows].sort((a, b) => comparePositions(a, b, order)).map((p) => `${p.value}/${p.seq}`);
    expect(sorted('asc')).toEqual(['2/4', '5/2', '5/3', 'null/1', 'null/5']);
    expect(sorted('desc')).toEqual(['5/3', '5/2', '2/4', 'null/5', 'null/1']);
  });
});
