/** The messages between the SQLite history (sqlite-history.ts) and its threads (sqlite-thread.ts). */
import type { WriteBatch } from './write-batch';

export type ThreadRequest =
  | { readonly id: number; readonly op: 'open' }
  | { readonly id: number; readonly op: 'write'; readonly batch: WriteBatch }
  | { readonly id: number; readonly op: 'all'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly id: number; readonly op: 'run'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly id: number; readonly op: 'exec'; readonly sql: string }
  | { readonly id: number; readonly op: 'close' };

/** A request before the thread's client numbers it. */
export type ThreadRequestBody = ThreadRequest extends infer R ? (R extends ThreadRequest ? Omit<R, 'id'> : never) : never;

export type ThreadAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };
