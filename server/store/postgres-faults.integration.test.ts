/**
 * PostgreSQL going away at run time (a real PostgreSQL 15, stopped and started again): the live view
 * goes on, history says it is failing, and once the server is back writing resumes by itself with every
 * task noted meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type JsonObject } from '@/lib/celery';
import { type PostgresServer, startPostgres } from '@/test/harness/postgres-server';
import { until } from '@/test/harness/until';
import { PostgresHistory } from '../history/postgres-history';
import { DurableTaskStore } from './durable-task-store';

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined };
const T = 1_795_268_172;

function event(body: JsonObject): CeleryEvent {
  return decodeEventBody({ utcoffset: 0, pid: 1, clock: 1, hostname: 'celery@w1', ...body }).events[0] as CeleryEvent;
}

function runTask(store: DurableTaskStore, uuid: string, t: number): void {
  store.apply(event({ type: 'task-sent', uuid, timestamp: t, name: 'tasks.add', args: '(1, 2)', kwargs: '{}', queue: 'celery' }), t);
  store.apply(event({ type: 'task-succeeded', uuid, timestamp: t + 1, result: '3', runtime: 1 }), t + 1);
}

describe('PostgreSQL history going away', () => {
  let server: PostgresServer;
  let url = '';
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('faults');
  });
  afterAll(async () => server?.destroy());

  it('keeps the live view, says history is failing, and writes everything once PostgreSQL is back', async () => {
    const history = await PostgresHistory.open(url, 'redis://faults:6379/0');
    const store = await DurableTaskStore.open({ maxTasks: 20, purgeOfflineAfter: 3600, history, log: silent, writeIntervalMs: 20 });
    try {
      runTask(store, 'before', T);
      await until('the first task written', () => store.historyWriting().writtenTasks >= 1);
      await server.stop();
      for (let i = 0; i < 50; i++) runTask(store, `during-${i}`, T + 10 + i);
      await until('history failing', () => store.historyWriting().state === 'failing', 15_000);
      expect(store.task('during-49')?.state).toBe('SUCCESS');
      // Reads across history fall back to the live window while it cannot be written.
      expect((await store.findTask('during-49'))?.state).toBe('SUCCESS');

      await server.start();
      await until('history writing again', () => store.historyWriting().state === 'writing', 30_000);
      await until('everything written', () => store.historyWriting().pendingTasks === 0 && store.historyWriting().pendingEvents === 0, 30_000);
      expect(store.task('during-0')).toBeUndefined();
      expect((await store.findTask('during-0'))?.state).toBe('SUCCESS');
      expect((await store.timeline('during-0'))?.map((e) => e.type)).toEqual(['task-sent', 'task-succeeded']);
    } finally {
      await store.close();
    }
  });
});
