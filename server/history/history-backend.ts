/**
 * Where history is kept, as the durable store (server/store/durable-task-store.ts) sees it: a place that
 * takes batches of rows (written behind the live model, off the event loop) and answers compiled queries.
 * SQLite (sqlite-history.ts) and PostgreSQL implement it; everything above it is shared.
 */
import type { Compiled, SqlReader } from './history-sql';
import type { WriteBatch } from './write-batch';

export interface HistoryBackend extends SqlReader {
  /** The file or the URL without its password, for logs and messages. */
  readonly where: string;
  /** PostgreSQL's rows carry the cluster they belong to; null where the file is the cluster's own. */
  readonly cluster: string | null;
  /** Writes one batch in one transaction; rejects with the database's error code on failure. */
  write(batch: WriteBatch): Promise<void>;
  /** Runs one statement where batches are written (retention's deletes); resolves with the rows it changed. */
  run(query: Compiled): Promise<number>;
  /** Bytes of the pages in use, for --max-history-size; absent where the database cannot say. */
  usedBytes?(): Promise<number>;
  close(): Promise<void>;
}

/** History cannot be opened at start: the message names the file or URL and what is wrong. */
export class HistoryOpenError extends Error {
  override readonly name = 'HistoryOpenError';
}
