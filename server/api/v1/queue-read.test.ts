import { describe, expect, it } from 'vitest';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { knownQueues } from '../../queues/known-queues';
import { SAMPLE_MS } from '../../queues/queue-history';
import { QueueReader } from '../../queues/queue-reader';
import { QueueSampler } from '../../queues/queue-sampler';
import { getQueueHistory, getQueues } from './queue-read';

const parsed = parseBrokerUrl('memory://');
if (!parsed.ok) throw new Error(parsed.error);
const memory = parsed.value;
const T0 = 1_800_000_000_000;

function setup() {
  const bus = new MemoryBroker();
  for (let i = 0; i < 4; i++) bus.push('celery', '{}');
  bus.push('reports', '{}');
  let now = T0;
  const sampler = new QueueSampler(new QueueReader(new MemoryTransport(memory, bus)), () => knownQueues(null, ['reports']), { now: () => now });
  return { bus, sampler, tick: () => (now += SAMPLE_MS) };
}

describe('GET /api/v1/queues', () => {
  it('lists every known queue with its length now and why it is known', async () => {
    const { sampler } = setup();
    expect(await getQueues(sampler, null, new URLSearchParams())).toEqual({
      status: 200,
      body: {
        source: 'broker',
        warning: null,
        sampledAt: null,
        queues: [
          { name: 'celery', messages: 4, unacked: null, consumers: null, priorities: null, exists: null, workers: [], origins: ['default'] },
          { name: 'reports', messages: 1, unacked: null, consumers: null, priorities: null, exists: null, workers: [], origins: ['events'] },
        ],
      },
    });
  });

  it('answers 503 without a broker', async () => {
    expect(await getQueues(null, null, new URLSearchParams())).toEqual({ status: 503, body: { error: 'Pollen runs without a broker (--broker)' } });
  });
});

describe('GET /api/v1/queues/history', () => {
  it('gives the sampled lengths of the range, of one queue when asked', async () => {
    const { bus, sampler, tick } = setup();
    await sampler.sample();
    bus.push('celery', '{}');
    const now = tick();
    await sampler.sample();
    const all = getQueueHistory(sampler, new URLSearchParams(), now);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ range: '15m', step: SAMPLE_MS, to: now, queues: [{ name: 'celery' }, { name: 'reports' }] });
    const one = getQueueHistory(sampler, new URLSearchParams({ range: '24h', queue: 'celery' }), now);
    expect(one.body).toEqual({ range: '24h', step: 60_000, from: now - 86_400_000, to: now, queues: [{ name: 'celery', points: [{ t: T0, messages: 5, max: 5 }] }] });
  });

  it('refuses a range it does not keep, naming the parameter', () => {
    const { sampler } = setup();
    const response = getQueueHistory(sampler, new URLSearchParams({ range: '7d' }), T0);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: expect.stringMatching(/^range: /) });
  });
});
