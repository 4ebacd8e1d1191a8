/**
 * Chords sent by a client, run by real workers on a real redis-server: a Python chord of 5 on Python
 * Celery and a TypeScript chord of 5 on the TS worker. Their header tasks have no parent and Celery's
 * events carry no group id, so only the result backend ties them together: the workflow graph, opened from
 * the body or from any header task, shows all 5 header tasks under their group and the body after them.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@/worker/client';
import { chord, signature } from '@/worker/client/canvas-builders';
import type { Child } from '@/test/harness/child';
import { runPython, startCeleryWorker } from '@/test/harness/celery-worker';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { REPO_ROOT, startTsWorker, type TsWorker } from '@/test/harness/ts-worker';
import { until } from '@/test/harness/until';
import type { Workflow } from '@/lib/api/tasks';

const PY_QUEUE = 'python';

describe('a chord of 5 sent by a client is drawn whole: 5 header tasks under their group, the body after them', () => {
  let redis: RedisServer;
  let pollen: TestPollen;
  let python: Child;
  let ts: TsWorker;

  beforeAll(async () => {
    redis = await startRedis();
    pollen = await startPollen({ broker: redis.url(0), resultBackend: redis.url(1) });
    [python, ts] = await Promise.all([
      startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), events: true, nodename: 'chord-py@pollen', queues: [PY_QUEUE], pool: 'prefork', concurrency: 2 }),
      startTsWorker({ broker: redis.url(0), backend: redis.url(1), hostname: 'chord-ts@pollen', concurrency: 4 }),
    ]);
  });

  afterAll(async () => {
    await ts?.stop();
    await python?.stop();
    await pollen?.close();
    await redis?.stop();
  });

  async function workflow(id: string): Promise<Workflow> {
    const { status, body } = await pollen.request(`/api/v1/tasks/${id}/workflow`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body as Workflow;
  }

  async function expectChord(ids: { header: readonly string[]; body: string }, names: { header: string; body: string }): Promise<void> {
    const state = pollen.server.context.store;
    await until('the chord body to succeed', () => state.task(ids.body)?.state === 'SUCCESS', 30_000);
    for (const id of ids.header) expect(state.task(id)).toMatchObject({ name: names.header, parentId: null, state: 'SUCCESS' });
    for (const from of [ids.body, ...ids.header]) {
      const graph = await workflow(from);
      const group = graph.nodes.find((node) => node.kind === 'group');
      expect(group, `from ${from}: ${JSON.stringify(graph)}`).toBeDefined();
      expect(graph.root).toBe(group?.id);
      expect(graph.nodes.filter((node) => node.kind !== 'group').map((node) => node.id).sort()).toEqual([...ids.header, ids.body].sort());
      expect(graph.nodes.find((node) => node.id === ids.body)).toMatchObject({ name: names.body, state: 'SUCCESS' });
      const edges = graph.edges.map((e) => `${e.from} ${e.kind} ${e.to}`).sort();
      expect(edges).toEqual([...ids.header.map((h) => `${group?.id} group ${h}`), ...ids.header.map((h) => `${h} chord ${ids.body}`)].sort());
    }
  }

  it('Python Celery: chord([tasks.add] * 5, tasks.tsum)', async () => {
    const output = await runPython(path.join(REPO_ROOT, 'test/python/send_chord.py'), { broker: redis.url(0), backend: redis.url(1), args: [PY_QUEUE, '5'] });
    const ids = JSON.parse(output.split('\n').find((line) => line.startsWith('{')) ?? 'null') as { header: string[]; body: string; group: string };
    expect(ids.header).toHaveLength(5);
    await expectChord(ids, { header: 'tasks.add', body: 'tasks.tsum' });
    expect((await workflow(ids.body)).root).toBe(ids.group);
  });

  it('the TS client and worker: chord([examples.add] * 5, examples.tsum)', async () => {
    const client = createClient({ broker: redis.url(0), resultBackend: redis.url(1) });
    try {
      const header = Array.from({ length: 5 }, () => randomUUID());
      const body = randomUUID();
      await client.apply(chord(header.map((id, i) => signature('examples.add', [i, i], {}, { taskId: id })), signature('examples.tsum', [], {}, { taskId: body })));
      await expectChord({ header, body }, { header: 'examples.add', body: 'examples.tsum' });
    } finally {
      await client.close();
    }
  });
});
