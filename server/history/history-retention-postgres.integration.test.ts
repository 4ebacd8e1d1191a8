/** Retention over PostgreSQL (a real PostgreSQL 15): the shared suite, each test a database of its own. */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type PostgresServer, startPostgres } from '@/test/harness/postgres-server';
import { describeRetention } from './history-retention.contract';
import { PostgresHistory } from './postgres-history';

let server: PostgresServer;
let databases = 0;
const open: PostgresHistory[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});
afterAll(async () => server?.destroy());

describeRetention('PostgreSQL', async () => {
  const history = await PostgresHistory.open(await server.createDatabase(`retention_${++databases}`), 'redis://retention:6379/0');
  open.push(history);
  return history;
});
