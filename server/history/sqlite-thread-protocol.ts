/** The messages between the SQLite history (sqlite-history.ts) and its threads (sqlite-thread.ts). */
import type { WriteBatch } from './write-batch';

/** `conn` names one connection of the thread (one history file). */
export type ThreadRequest =
  | { readonly id: number; readonly conn: number; readonly op: 'open'; readonly file: string; readonly textSettleMs?: number }
  | { readonly id: number; readonly conn: number; readonly op: 'write'; readonly batch: WriteBatch }
  | { readonly id: number; readonly conn: number; readonly op: 'all'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly id: number; readonly conn: number; readonly op: 'run'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly id: number; readonly conn: number; readonly op: 'close' };

/** A request before the thread's client numbers it. */
export type ThreadRequestBody = ThreadRequest extends infer R ? (R extends ThreadRequest ? Omit<R, 'id' | 'conn'> : never) : never;

export type ThreadAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };
