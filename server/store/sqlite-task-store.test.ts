/**
 * The task store contract over SQLite history: a file on disk per store. Run twice: reading the live
 * window, and reading across history, where every page and task is answered by SQL from the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteHistory } from '../history/sqlite-history';
import { DurableTaskStore } from './durable-task-store';
import { describeTaskStore, type StoreOptions } from './task-store.contract';

const dir = mkdtempSync(join(tmpdir(), 'pollen-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined };

async function sqliteStore(options: StoreOptions, alwaysReadHistory: boolean): Promise<DurableTaskStore> {
  const history = await SqliteHistory.open(join(dir, `history-${++files}.db`));
  return DurableTaskStore.open({ ...options, history, log: silent, alwaysReadHistory });
}

describeTaskStore('SQLite', (options) => sqliteStore(options, false));
describeTaskStore('SQLite', (options) => sqliteStore(options, true), 'history');
