/**
 * Flower's apply, async-apply, send-task and result endpoints on a running Pollen, against a real Python
 * Celery 5.2 worker on real Redis and RabbitMQ (Redis as result backend): the answers in Flower's shapes,
 * the send options reaching the broker and the worker, and the bounded wait of apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport, parseBrokerUrl, type Transport } from '@/lib/broker';
import { startPollen } from '@/test/harness/pollen-server';
import { BROKER_KINDS, startCluster, type TestCluster } from '@/test/harness/pollen-cluster';

type Json = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(BROKER_KINDS)("Flower's task API on %s with a real Python worker", (kind) => {
  const worker = `apply-${kind}@pollen`;
  let cluster: TestCluster;
  let transport: Transport;

  beforeAll(async () => {
    cluster = await startCluster(kind, [{ nodename: worker, pool: 'prefork', concurrency: 2, queues: ['celery'] }]);
    const url = parseBrokerUrl(cluster.broker);
    if (!url.ok) throw new Error(url.error);
    transport = createTransport(url.value);
  });
  afterAll(async () => {
    await transport?.close();
    await cluster?.stop();
  });

  const post = (path: string, json: unknown = {}) => cluster.pollen.request(path, { method: 'POST', json });
  const result = async (id: string, timeout = 20) => (await cluster.pollen.request(`/api/task/result/${id}?timeout=${timeout}`)).body as Json;
  const sentId = (response: { status: number; body: unknown }): string => {
    expect(response.status).toBe(200);
    const id = (response.body as Json)['task-id'];
    expect(id).toMatch(UUID);
    return id as string;
  };

  it('apply sends the task, waits, and answers {task-id, result, state}', async () => {
    const response = await post('/api/task/apply/tasks.add', { args: [2, 3] });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ 'task-id': expect.stringMatching(UUID), result: 5, state: 'SUCCESS' });
  });

  it('apply of a failing task answers the exception as Python repr, with its traceback', async () => {
    const response = await post('/api/task/apply/tasks.fail', { args: ['kaput'] });
    expect(response.body).toEqual({ 'task-id': expect.stringMatching(UUID), result: "ValueError('kaput')", traceback: expect.stringMatching(/ValueError: kaput\s*$/), state: 'FAILURE' });
  });

  it('apply gives up after its timeout with 504, the task id and its state; the result comes later', async () => {
    const response = await post('/api/task/apply/tasks.sleep', { args: [2], timeout: 0.3 });
    expect(response.status).toBe(504);
    const body = response.body as Json;
    expect(body).toEqual({ error: expect.stringContaining('did not finish within 0.3 s'), 'task-id': expect.stringMatching(UUID), state: expect.stringMatching(/^(PENDING|STARTED)$/) });
    expect(await result(body['task-id'] as string)).toEqual({ 'task-id': body['task-id'], state: 'SUCCESS', result: 2 });
  });

  it("apply and async-apply answer 404 for a task no worker has; send-task sends it anyway", async () => {
    expect(await post('/api/task/apply/tasks.nope', { args: [] })).toMatchObject({ status: 404, body: { error: "Unknown task 'tasks.nope'" } });
    expect(await post('/api/task/async-apply/tasks.nope')).toMatchObject({ status: 404, body: { error: "Unknown task 'tasks.nope'" } });
    const sent = await post('/api/task/send-task/tasks.nope', { queue: `parked-nope-${kind}` });
    expect(sent.body).toEqual({ 'task-id': expect.stringMatching(UUID), state: 'PENDING' });
  });

  it('async-apply answers {task-id, state}; the result endpoint then gives the result', async () => {
    const id = sentId(await post('/api/task/async-apply/tasks.echo', { args: [1, 'two'], kwargs: { three: [3] } }));
    expect(await result(id)).toEqual({ 'task-id': id, state: 'SUCCESS', result: { args: [1, 'two'], kwargs: { three: [3] } } });
    // Without a timeout: the state now, and the result since it is ready.
    expect((await cluster.pollen.request(`/api/task/result/${id}`)).body).toEqual({ 'task-id': id, state: 'SUCCESS', result: { args: [1, 'two'], kwargs: { three: [3] } } });
    const unknown = crypto.randomUUID();
    expect((await cluster.pollen.request(`/api/task/result/${unknown}`)).body).toEqual({ 'task-id': unknown, state: 'PENDING' });
  });

  it('send-task honours countdown, a task_id, and eta in Flower’s format', async () => {
    const since = Date.now();
    const taskId = crypto.randomUUID();
    const id = sentId(await post('/api/task/send-task/tasks.add', { args: [1, 2], countdown: '1.5', task_id: taskId }));
    expect(id).toBe(taskId);
    expect(await result(id)).toMatchObject({ state: 'SUCCESS', result: 3 });
    expect(Date.now() - since).toBeGreaterThanOrEqual(1400);
    const past = sentId(await post('/api/task/send-task/tasks.add', { args: [2, 2], eta: '2001-02-03 04:05:06.789000' }));
    expect(await result(past)).toMatchObject({ state: 'SUCCESS', result: 4 });
  });

  it('send-task with an expires date in the past is revoked by the worker unrun', async () => {
    const id = sentId(await post('/api/task/send-task/tasks.add', { args: [1, 1], expires: '2001-02-03 04:05:06.000000' }));
    expect(await result(id)).toEqual({ 'task-id': id, state: 'REVOKED', result: "TaskRevokedError('expired')" });
  });

  it('send-task puts the task in the queue its queue or routing_key names', async () => {
    const parked = `parked-${kind}`;
    sentId(await post('/api/task/send-task/tasks.add', { args: [1, 1], queue: parked, priority: 3 }));
    sentId(await post('/api/task/send-task/tasks.add', { args: [1, 1], routing_key: parked, exchange: parked }));
    expect(await transport.queueLength(parked)).toBe(2);
  });

  it.runIf(kind === 'redis')('refuses bad bodies and options with 400 naming the field', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/api/task/async-apply/tasks.add', { args: 'nope' }, /^args: args must be an array/],
      ['/api/task/async-apply/tasks.add', { kwargs: [1] }, /^kwargs: kwargs must be a JSON object/],
      ['/api/task/send-task/tasks.add', { countdown: 'soon' }, /^countdown: expected a number/],
      ['/api/task/send-task/tasks.add', { eta: 'tomorrow' }, /^eta: expected a date/],
      ['/api/task/send-task/tasks.add', { eta: '2026-02-30 10:00:00.000000' }, /^eta: expected a date/],
      ['/api/task/send-task/tasks.add', { expires: 'never' }, /^expires: expected seconds or a date/],
      ['/api/task/send-task/tasks.add', { priority: 300 }, /^priority: must be at most 255/],
      ['/api/task/send-task/tasks.add', { colour: 'blue' }, /^colour: not an option Pollen can send/],
      ['/api/task/send-task/tasks.add', { serializer: 'pickle' }, /^serializer: Pollen sends JSON only/],
      ['/api/task/send-task/tasks.add', { queue: 'a', routing_key: 'b' }, /^routing_key: /],
      ['/api/task/send-task/tasks.add', { exchange: 'elsewhere' }, /^exchange: /],
      ['/api/task/apply/tasks.add', { timeout: 'forever' }, /^timeout: expected a number/],
      ['/api/task/apply/tasks.add', { timeout: 3600 }, /^timeout: must be at most 600 seconds/],
      ['/api/task/send-task/tasks.add', [1, 2], /^body: expected a JSON object/],
    ];
    for (const [path, json, error] of cases) {
      const response = await post(path, json);
      expect({ path, json, status: response.status }).toEqual({ path, json, status: 400 });
      expect((response.body as Json)['error']).toMatch(error);
    }
    const malformed = await fetch(`${cluster.pollen.url}/api/task/apply/tasks.add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args": [1,' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Json)['error']).toMatch(/^body: invalid JSON/);
    const form = await cluster.pollen.request('/api/task/send-task/tasks.add', { form: { args: '[1, 2]' } });
    expect(form).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^body: expected a JSON object/) } });
    expect(await cluster.pollen.request(`/api/task/result/${crypto.randomUUID()}?timeout=abc`)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^timeout: /) } });
  });

  it.runIf(kind === 'redis')('without a result backend: apply and result answer 503, the others leave state out', async () => {
    const noBackend = await startPollen({ broker: cluster.broker });
    const bare = await startPollen({});
    try {
      expect(await noBackend.request('/api/task/apply/tasks.add', { json: { args: [1, 1] } })).toMatchObject({ status: 503, body: { error: expect.stringContaining('--result-backend') } });
      expect((await noBackend.request('/api/task/send-task/tasks.add', { json: { args: [1, 1] } })).body).toEqual({ 'task-id': expect.stringMatching(UUID) });
      expect((await noBackend.request('/api/task/async-apply/tasks.add', { json: { args: [1, 1] } })).body).toEqual({ 'task-id': expect.stringMatching(UUID) });
      expect(await noBackend.request(`/api/task/result/${crypto.randomUUID()}`)).toMatchObject({ status: 503 });
      expect(await bare.request('/api/task/send-task/tasks.add', { json: {} })).toMatchObject({ status: 503, body: { error: expect.stringContaining('--broker') } });
    } finally {
      await noBackend.close();
      await bare.close();
    }
  });
});
