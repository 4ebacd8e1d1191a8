/**
 * The task store contract over PostgreSQL history (a real PostgreSQL 15 from test/harness): every store
 * of the suite is another cluster in one database, as several Pollens share one. Run twice: reading the
 * live window, and reading across history, where every page and task is answered by SQL.
 */
import { afterAll, beforeAll } from 'vitest';
import { type PostgresServer, startPostgres } from '@/test/harness/postgres-server';
import { PostgresHistory } from '../history/postgres-history';
import { DurableTaskStore } from './durable-task-store';
import { describeTaskStore, type StoreOptions } from './task-store.contract';

let server: PostgresServer;
let url = '';
let clusters = 0;

beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase('contract');
});
afterAll(async () => server?.destroy());

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined };

async function postgresStore(options: StoreOptions, alwaysReadHistory: boolean): Promise<DurableTaskStore> {
  const history = await PostgresHistory.open(url, `redis://contract-${++clusters}:6379/0`);
  return DurableTaskStore.open({ ...options, history, log: silent, alwaysReadHistory });
}

describeTaskStore('PostgreSQL', (options) => postgresStore(options, false));
describeTaskStore('PostgreSQL', (options) => postgresStore(options, true), 'history');
