/**
 * Keyset cursors over tasks. Rows are ordered by (sort value, arrival number): the arrival number
 * (kept by the store) is unique and never changes, so it breaks ties and a cursor (the position of the last
 * row returned) says exactly where the next page starts, however many tasks arrive meanwhile. Tasks
 * without the sort value (not started yet, say) come last in either order.
 *
 * The cursor is opaque to clients: base64url JSON naming the numbering it belongs to, the sort, the
 * filter (by key) and the position. A cursor used with another sort or filter is refused.
 */
import { z } from 'zod';
import { TASK_SORT_KEYS } from '@/lib/api/tasks';

export const SORT_KEYS = TASK_SORT_KEYS;
export type SortKey = (typeof SORT_KEYS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export interface Position {
  /** The sort value; null when the task has none. For `arrival` it is the arrival number. */
  readonly value: number | null;
  readonly seq: number;
}

export interface Cursor {
  readonly epoch: string;
  readonly sort: SortKey;
  readonly order: SortOrder;
  readonly filter: string;
  readonly position: Position;
}

/** Whether keyset cursors page this order (v1's sorts; Flower's name and state orders page by offset). */
export function isCursorSort(key: string): key is SortKey {
  return (SORT_KEYS as readonly string[]).includes(key);
}

/** Negative when `a` comes before `b`. */
export function comparePositions(a: Position, b: Position, order: SortOrder): number {
  if (a.value === null || b.value === null) {
    if (a.value !== b.value) return a.value === null ? 1 : -1;
  } else if (a.value !== b.value) {
    return order === 'asc' ? a.value - b.value : b.value - a.value;
  }
  return order === 'asc' ? a.seq - b.seq : b.seq - a.seq;
}

const wire = z.object({
  e: z.string(),
  s: z.enum(SORT_KEYS),
  o: z.enum(SORT_ORDERS),
  f: z.string(),
  v: z.number().nullable(),
  q: z.number().int(),
});

export function encodeCursor(cursor: Cursor): string {
  const { epoch: e, sort: s, order: o, filter: f, position } = cursor;
  return Buffer.from(JSON.stringify({ e, s, o, f, v: position.value, q: position.seq })).toString('base64url');
}

export function decodeCursor(text: string): Cursor | null {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = wire.safeParse(json);
  if (!parsed.success) return null;
  const { e, s, o, f, v, q } = parsed.data;
  return { epoch: e, sort: s, order: o, filter: f, position: { value: v, seq: q } };
}
