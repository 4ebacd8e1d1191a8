import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { encodeTaskMessage, newTaskMessage } from '@/lib/celery';
import { PidboxClient } from '@/lib/control';
import { createApp } from '@/worker/task/app';
import { Worker } from '@/worker/worker';
import { InspectCache } from '../control/inspect-cache';
import { getQueueLengths } from './flower-queues';

const url = parseBrokerUrl('memory://');

describe('GET /api/queues/length', () => {
  it('counts the queues the workers consume, or the default queue when none said', async () => {
    if (!url.ok) throw new Error(url.error);
    const bus = new MemoryBroker();
    const transport = new MemoryTransport(url.value, bus);
    const inspect = new InspectCache(new PidboxClient(transport), { timeoutMs: 100 });
    await transport.publish('', 'celery', encodeTaskMessage(newTaskMessage({ id: 'a', name: 'x' })));
    expect(await getQueueLengths(transport, inspect)).toEqual({ status: 200, body: { active_queues: [{ name: 'celery', messages: 1 }] } });
    // A worker said it consumes two queues; the cache keeps its answer after it stopped, so nothing takes the messages.
    const worker = new Worker({ app: createApp(), transport: new MemoryTransport(url.value, bus), backend: null, hostname: 'w@q', queues: ['hi', 'lo'], concurrency: 1, logger: pino({ level: 'silent' }) });
    await worker.start();
    await inspect.refresh();
    await worker.stop({ graceful: false });
    for (const [id, queue] of [['b', 'hi'], ['c', 'hi'], ['d', 'lo']] as const) await transport.publish('', queue, encodeTaskMessage(newTaskMessage({ id, name: 'x' })));
    expect(await getQueueLengths(transport, inspect)).toEqual({ status: 200, body: { active_queues: [{ name: 'hi', messages: 2 }, { name: 'lo', messages: 1 }] } });
    expect(await getQueueLengths(null, inspect)).toMatchObject({ status: 503 });
  });
});
