/**
 * The reader's choice of source and the management client's failures, against a local HTTP server that
 * answers as RabbitMQ's management API does. The real API is exercised in rabbit-queues.integration.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerUrl, MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { freePort } from '@/test/harness/free-port';
import { getQueueLengths } from '../api/flower-queues';
import { ManagementApi } from './management-api';
import { QueueReader } from './queue-reader';

function broker(text: string): BrokerUrl {
  const parsed = parseBrokerUrl(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const amqp = broker('amqp://app:secret@127.0.0.1:5672/prod');
const CELERY = { name: 'celery', vhost: 'prod', durable: true, messages: 7, messages_ready: 5, messages_unacknowledged: 2, consumers: 1, state: 'running' };

let server: Server;
let api: string;
let answer: (request: IncomingMessage, response: ServerResponse) => void;
const seen: { url: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  seen.length = 0;
});

const json = (status: number, body: unknown) => (_: IncomingMessage, response: ServerResponse) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

describe('ManagementApi', () => {
  it("lists the vhost's queues with basic auth from the broker URL, and keeps only the names asked for", async () => {
    answer = json(200, [CELERY, { name: 'other', messages_ready: 1 }]);
    const queues = await new ManagementApi(api, amqp).queues(['celery', 'missing']);
    expect(queues).toEqual([CELERY]);
    expect(seen[0]).toEqual({ url: '/api/queues/prod', authorization: `Basic ${Buffer.from('app:secret').toString('base64')}` });
  });

  it("takes the API URL's own credentials over the broker's, escapes the vhost and asks only for the columns wanted", async () => {
    answer = json(200, []);
    const root = broker('amqp://guest:guest@127.0.0.1:5672//');
    await new ManagementApi(api.replace('http://', 'http://mon:p%40ss@') + '/', root).queues(['celery'], ['messages_ready']);
    expect(seen[0]).toEqual({ url: '/api/queues/%2F?columns=name%2Cmessages_ready', authorization: `Basic ${Buffer.from('mon:p@ss').toString('base64')}` });
  });

  it.each([
    ['an HTTP error, with its body', json(401, { error: 'not_authorized', reason: 'Login failed' }), /answered HTTP 401: .*Login failed/],
    ['something other than JSON', (_: IncomingMessage, r: ServerResponse) => r.end('<html>'), /something other than JSON/],
    ['something other than a list of queues', json(200, { name: 'celery' }), /something other than a list of queues/],
    ['no answer in time', () => undefined, /did not answer: no answer within 200 ms/],
  ])('fails with a message naming the API on %s', async (_, handler, message) => {
    answer = handler;
    const error = await new ManagementApi(api, amqp, 200).queues(['celery']).catch((err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(`${api}/`);
    expect((error as Error).message).not.toContain('secret');
  });

  it('says why it could not connect', async () => {
    const dead = new ManagementApi(`http://127.0.0.1:${await freePort()}/api/`, amqp);
    await expect(dead.queues(['celery'])).rejects.toThrow(/did not answer: ECONNREFUSED/);
  });
});

describe('QueueReader', () => {
  // A memory broker under an amqp:// URL: the reader takes it for RabbitMQ and uses --broker-api.
  const bus = new MemoryBroker();
  bus.push('celery', '{}');
  bus.push('fresh', '{}');
  const transport = new MemoryTransport(amqp, bus);

  it('counts from the management API, asking the broker for a queue the API does not list', async () => {
    answer = json(200, [CELERY]);
    const readout = await new QueueReader(transport, { brokerApi: api }).read(['celery', 'fresh']);
    expect(readout).toEqual({
      source: 'management',
      warning: null,
      queues: [
        { name: 'celery', messages: 5, unacked: 2, consumers: 1, byPriority: null, exists: true, management: CELERY },
        { name: 'fresh', messages: 1, unacked: null, consumers: null, byPriority: null, exists: null, management: null },
      ],
    });
  });

  it('falls back to the broker when the API fails, warning once per failure streak', async () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
    const reader = new QueueReader(transport, { brokerApi: api, log, managementTimeoutMs: 200 });
    answer = json(503, { error: 'down' });
    const first = await reader.read(['celery']);
    await reader.read(['celery']);
    expect(first.source).toBe('broker');
    expect(first.warning).toMatch(/answered HTTP 503.*lengths come from passive declares/);
    expect(first.queues).toEqual([{ name: 'celery', messages: 1, unacked: null, consumers: null, byPriority: null, exists: null, management: null }]);
    answer = json(200, [CELERY]);
    expect((await reader.read(['celery'])).source).toBe('management');
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'RabbitMQ management API failed'],
      [30, 'RabbitMQ management API answers again'],
    ]);
  });

  it('ignores --broker-api for a broker that is not RabbitMQ, as Flower does', async () => {
    const redisLike = new MemoryTransport(broker('redis://127.0.0.1:6379/0'), bus);
    const reader = new QueueReader(redisLike, { brokerApi: api });
    expect(reader.hasManagementApi).toBe(false);
    expect((await reader.read(['celery'])).source).toBe('broker');
    expect(seen).toEqual([]);
  });

  it("gives Flower's /api/queues/length the management objects, leaving out queues the broker does not have", async () => {
    answer = json(200, [CELERY]);
    const reader = new QueueReader(transport, { brokerApi: api });
    // No inspect cache: the default queue, plus nothing else; and a reader without the API gives {name, messages}.
    expect(await getQueueLengths(reader, null)).toEqual({ status: 200, body: { active_queues: [CELERY] } });
    answer = json(200, []);
    expect(await getQueueLengths(reader, null)).toEqual({ status: 200, body: { active_queues: [] } });
    expect(await getQueueLengths(new QueueReader(transport), null)).toEqual({ status: 200, body: { active_queues: [{ name: 'celery', messages: 1 }] } });
  });

  it('gives up on a broker that does not answer in time', async () => {
    class Silent extends MemoryTransport {
      override queueStats(): never {
        return new Promise(() => undefined) as never;
      }
    }
    const reader = new QueueReader(new Silent(broker('redis://127.0.0.1:6379/0'), bus), { brokerTimeoutMs: 50 });
    await expect(reader.read(['celery'])).rejects.toThrow(/did not answer within 50 ms/);
    expect(await getQueueLengths(reader, null)).toMatchObject({ status: 503, body: { error: expect.stringMatching(/did not answer within 50 ms/) } });
  });
});
