/**
 * The store a server runs on, made from where history lives (server/history/history-location.ts): the
 * in-memory store alone, or the durable store over SQLite or PostgreSQL. A history that cannot be
 * opened throws HistoryOpenError, which names the file or URL and what is wrong; the CLI exits 2 with it.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '@/lib/runtime/logger';
import { HistoryOpenError } from '../history/history-backend';
import type { HistoryLocation } from '../history/history-location';
import { PostgresHistory } from '../history/postgres-history';
import type { RetentionPolicy } from '../history/retention-policy';
import { SqliteHistory } from '../history/sqlite-history';
import { DurableTaskStore } from './durable-task-store';
import { MemoryTaskStore, type MemoryTaskStoreOptions } from './memory-task-store';
import type { TaskStore } from './task-store';

export interface OpenStoreOptions extends MemoryTaskStoreOptions {
  readonly log: Logger;
  /** What history keeps (--retention-*, --max-history-*); absent: everything. */
  readonly retention?: RetentionPolicy;
}

/** Makes the directory of an SQLite file; returns the error text when it cannot. */
function madeDirectory(file: string): string | null {
  try {
    mkdirSync(dirname(file), { recursive: true });
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

/** The SQLite file to open: the one named, or ./pollen-data's when the default directory cannot be made. */
function sqliteFile(location: Extract<HistoryLocation, { kind: 'sqlite' }>, log: Logger): string {
  const problem = madeDirectory(location.file);
  if (problem === null) return location.file;
  if (location.fallback !== null && madeDirectory(location.fallback) === null) {
    log.warn({ directory: dirname(location.file), problem }, `cannot make ${dirname(location.file)} (${problem}): history goes to ${dirname(location.fallback)}`);
    return location.fallback;
  }
  throw new HistoryOpenError(`cannot make the directory ${dirname(location.file)} for history (${problem}): choose another with --data-dir or --db`);
}

export async function openTaskStore(location: HistoryLocation, options: OpenStoreOptions): Promise<TaskStore> {
  const { log } = options;
  if (location.kind === 'memory') {
    log.info({ history: 'memory' }, 'history is kept in memory only (--db memory): a restart empties every page');
    return new MemoryTaskStore(options);
  }
  const history = location.kind === 'postgres' ? await PostgresHistory.open(location.url, location.cluster) : await SqliteHistory.open(sqliteFile(location, log));
  const store = await DurableTaskStore.open({ ...options, history, log });
  const where = location.kind === 'postgres' ? `${history.where}, cluster ${location.cluster}` : history.where;
  log.info({ history: history.where, cluster: location.cluster, tasks: store.taskCount, workers: store.workerCount }, `history is kept in ${where}`);
  return store;
}
