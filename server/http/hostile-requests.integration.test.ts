/**
 * The hostile-request table of issue 15 (points 5, 7, 8) against a real Pollen on a real Redis broker,
 * with basic auth on: malformed request targets, HEAD, wrong methods, absurd times and forged protocol
 * headers each get the right status within a second. Malformed targets go over a raw TCP socket, since
 * fetch() cannot send them.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _addTask } from '@/server/api/v1/task-test-events';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';

const AUTH = `Basic ${Buffer.from('admin:secret').toString('base64')}`;
/** "Within a second", as the issue asks, per case. */
const DEADLINE_MS = 1000;

interface RawResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  /** The server closed the connection after answering. */
  readonly closed: boolean;
}

/**
 * Writes `request` as it is on a new connection and reads one response: status, headers and the
 * Content-Length body (none for HEAD). Rejects when nothing complete came within the deadline.
 */
function rawRequest(port: number, request: string, options: { head?: boolean; deadlineMs?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let response: Omit<RawResponse, 'closed'> | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${options.deadlineMs ?? DEADLINE_MS} ms to ${JSON.stringify(request.split('\r\n')[0])}; got ${JSON.stringify(data.toString('latin1').slice(0, 200))}`));
    }, options.deadlineMs ?? DEADLINE_MS);
    const finish = (closed: boolean): void => {
      if (response === null) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...response, closed });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (response !== null) return;
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const length = options.head ? 0 : Number(headers.get('content-length') ?? 0);
      if (data.length < end + 4 + length) return;
      response = { status: Number(statusLine.split(' ')[1]), headers, body: data.subarray(end + 4, end + 4 + length).toString('utf8') };
      // Give the server a moment to close, so that `closed` tells close from keep-alive.
      setTimeout(() => finish(socket.readableEnded || socket.destroyed), 100);
    });
    socket.on('end', () => finish(true));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(request);
  });
}

const get = (target: string, method = 'GET'): string => `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

describe('hostile requests, each answered within a second with the right status', () => {
  let redis: RedisServer;
  let pollen: TestPollen;
  let port: number;

  beforeAll(async () => {
    redis = await startRedis();
    pollen = await startPollen({ broker: redis.url(0), basicAuth: 'admin:secret', unauthenticatedApi: false });
    port = Number(new URL(pollen.url).port);
    // async-apply sends only tasks a worker registered or the events showed: one seen in events.
    _addTask(pollen.server.context.store, crypto.randomUUID(), Date.now() / 1000, { name: 'tasks.add' });
  });
  afterAll(async () => {
    await pollen?.close();
    await redis?.stop();
  });

  describe.each(['//%/x', 'http://%zz/', '//[', 'http://x:99999/api/tasks', '*'])('the unparseable target %s', (target) => {
    it('answers 400 with the JSON error body before asking for credentials, and closes', async () => {
      const response = await rawRequest(port, get(target));
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(response.body)).toEqual({ error: expect.stringContaining('malformed request target') });
      expect(response.closed).toBe(true);
    });
  });

  const upgrade = (target: string, extra = ''): string =>
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

  it('a WebSocket upgrade that nothing serves is answered and closed; Socket.IO’s still switches protocols', async () => {
    for (const [target, status] of [['//%/x', 400], ['*', 400], ['/api/tasks', 404], ['/nope', 404], ['/_next/webpack-hmr', 404]] as const) {
      const response = await rawRequest(port, upgrade(target));
      expect({ target, status: response.status, closed: response.closed }).toEqual({ target, status, closed: true });
      expect(JSON.parse(response.body)).toEqual({ error: expect.any(String) });
    }
    const socketIo = await rawRequest(port, upgrade('/socket.io/?EIO=4&transport=websocket', `Authorization: ${AUTH}\r\n`));
    expect(socketIo.status).toBe(101);
  });

  it('HEAD /healthcheck answers 200 with the headers of GET and no body', async () => {
    const response = await rawRequest(port, get('/healthcheck', 'HEAD'), { head: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('2');
    // Nothing follows the headers: a body would be read as the next response on this connection.
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.write(`HEAD /healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    expect(raw.endsWith('\r\n\r\n')).toBe(true);
  });

  it('HEAD on an API GET route answers 200 as GET would, without a body', async () => {
    const response = await pollen.request('/api/task/types', { method: 'HEAD', headers: { authorization: AUTH } });
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    // And still asks for credentials as GET does.
    expect((await pollen.request('/api/task/types', { method: 'HEAD' })).status).toBe(401);
  });

  it('a wrong method answers 405 with an Allow header naming the methods that work', async () => {
    const onGet = await pollen.request('/healthcheck', { method: 'POST', headers: { authorization: AUTH } });
    expect(onGet.status).toBe(405);
    expect(onGet.headers.get('allow')).toBe('GET, HEAD');
    expect(onGet.body).toEqual({ error: 'method POST not allowed on /healthcheck' });
    const onPost = await pollen.request('/api/task/send-task/tasks.add', { method: 'GET', headers: { authorization: AUTH } });
    expect(onPost.status).toBe(405);
    expect(onPost.headers.get('allow')).toBe('POST');
  });

  const send = (path: string, json: unknown) => pollen.request(path, { method: 'POST', json, headers: { authorization: AUTH } });
  const ENDPOINTS = ['/api/task/apply/tasks.add', '/api/task/async-apply/tasks.add', '/api/task/send-task/tasks.add'];

  describe.each(ENDPOINTS)('%s', (path) => {
    it.each([
      ['countdown', 1e300],
      ['countdown', -1e300],
      ['countdown', 1e15],
      ['countdown', '1e300'],
      ['expires', 1e300],
      ['expires', -1e300],
      ['expires', 1e15],
      ['eta', '0000-01-01 00:00:00'],
    ])('%s %s answers 400 naming the field', async (field, value) => {
      const started = Date.now();
      const response = await send(path, { args: [1, 2], [field]: value });
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
      expect(response.status).toBe(400);
      expect((response.body as { error: string }).error).toMatch(new RegExp(`^${field}: `));
    });

    it.each(['task', 'id', 'root_id', 'parent_id', 'group', 'lang', 'argsrepr', 'origin', 'retries', 'eta', 'timelimit', 'shadow', 'stamps'])(
      'a forged %s header answers 400 naming it',
      async (header) => {
        const response = await send(path, { args: [1, 2], headers: { [header]: 'evil', 'x-trace': 'fine' } });
        expect(response.status).toBe(400);
        expect((response.body as { error: string }).error).toContain(`headers.${header}: `);
      },
    );
  });

  it('the issue’s forged apply sends nothing and names both headers; own headers still go', async () => {
    const forged = await send('/api/task/async-apply/tasks.add', { headers: { task: 'evil.task', id: 'x' } });
    expect(forged.status).toBe(400);
    expect((forged.body as { error: string }).error).toMatch(/headers\.task: .*headers\.id: /);
    const own = await send('/api/task/send-task/tasks.add', { args: [1, 2], countdown: 5, expires: 3600, headers: { 'x-trace': 'abc' } });
    expect(own.status).toBe(200);
  });

  it('300 malformed requests are each answered and their sockets closed', async () => {
    const connections = () => new Promise<number>((resolve, reject) => pollen.server.http.getConnections((err, count) => (err ? reject(err) : resolve(count))));
    // fetch()'s kept-alive connections from the cases above.
    const before = await connections();
    const responses = await Promise.all(Array.from({ length: 300 }, (_, i) => rawRequest(port, get(i % 2 === 0 ? '//%/x' : '*'), { deadlineMs: 10_000 })));
    expect(responses.every((r) => r.status === 400 && r.closed)).toBe(true);
    expect(await connections()).toBeLessThanOrEqual(before);
  });
});
