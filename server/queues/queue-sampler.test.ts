import { describe, expect, it } from 'vitest';
import { MemoryBroker, MemoryTransport, parseBrokerUrl, type QueueStats } from '@/lib/broker';
import type { CachedReply, WorkerInspection } from '../control/inspect-cache';
import { type ActiveQueueReplies, type KnownQueue, knownQueues } from './known-queues';
import { QueueHistory, SAMPLE_MS } from './queue-history';
import { QueueReader } from './queue-reader';
import { QueueSampler } from './queue-sampler';

const url = parseBrokerUrl('memory://');
if (!url.ok) throw new Error(url.error);
const T0 = 1_800_000_000_000;

function backlog(bus: MemoryBroker, queue: string, n: number): void {
  for (let i = 0; i < n; i++) bus.push(queue, '{}');
}

/** Inspect replies as the cache keeps them: `active_queues` per worker. */
function replies(byWorker: Record<string, string[]>): ActiveQueueReplies {
  return {
    workers: () => Object.keys(byWorker),
    snapshot: (worker): WorkerInspection => {
      const queues = byWorker[worker];
      const reply: CachedReply = { value: (queues ?? []).map((name) => ({ name, exchange: { name, type: 'direct' }, routing_key: name })), at: 0 };
      return queues ? { active_queues: reply } : {};
    },
  };
}

/** A broker whose answers wait until released, or fail. */
class GatedTransport extends MemoryTransport {
  calls = 0;
  fail: Error | null = null;
  private release: (() => void) | null = null;
  gate: Promise<void> | null = null;

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release?.();
    this.gate = null;
  }

  override async queueStats(queue: string): Promise<QueueStats> {
    this.calls++;
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    return super.queueStats(queue);
  }
}

describe('knownQueues', () => {
  it('lists the workers\' queues with their consumers, then the default queue, then queues seen in events', () => {
    const known = knownQueues(replies({ 'b@h': ['video', 'celery'], 'a@h': ['video'] }), ['reports', '(other)', 'video']);
    expect(known).toEqual<KnownQueue[]>([
      { name: 'celery', workers: ['b@h'], origins: ['workers', 'default'] },
      { name: 'video', workers: ['a@h', 'b@h'], origins: ['workers', 'events'] },
      { name: 'reports', workers: [], origins: ['events'] },
    ]);
  });

  it('knows the default queue when nothing else is known', () => {
    expect(knownQueues(null, [])).toEqual([{ name: 'celery', workers: [], origins: ['default'] }]);
  });
});

describe('QueueSampler', () => {
  it('samples at start and records each known queue\'s length at the sampling time', async () => {
    const bus = new MemoryBroker();
    backlog(bus, 'celery', 3);
    backlog(bus, 'reports', 1);
    let now = T0;
    const sampler = new QueueSampler(new QueueReader(new MemoryTransport(url.value, bus)), () => knownQueues(null, ['reports']), { now: () => now });
    sampler.start();
    expect(sampler.running).toBe(true);
    sampler.stop();
    // The read start() began is still the one out: joining it waits for it.
    await sampler.sample();
    expect(sampler.lastSampleAt).toBe(T0);
    backlog(bus, 'celery', 2);
    now += SAMPLE_MS;
    await sampler.sample();
    const window = sampler.history.window('15m', now);
    expect(window.queues).toEqual([
      { name: 'celery', points: [{ t: T0, messages: 3, max: 3 }, { t: T0 + SAMPLE_MS, messages: 5, max: 5 }] },
      { name: 'reports', points: [{ t: T0, messages: 1, max: 1 }, { t: T0 + SAMPLE_MS, messages: 1, max: 1 }] },
    ]);
    expect(sampler.running).toBe(false);
  });

  it('joins a tick that comes while the previous read is still out, so reads never pile up', async () => {
    const transport = new GatedTransport(url.value, new MemoryBroker());
    const sampler = new QueueSampler(new QueueReader(transport), () => knownQueues(null, []), { now: () => T0 });
    transport.hold();
    const first = sampler.sample();
    const second = sampler.sample();
    expect(second).toBe(first);
    transport.open();
    await first;
    expect(transport.calls).toBe(1);
    await sampler.sample();
    expect(transport.calls).toBe(2);
  });

  it('records nothing when the broker fails, and never throws', async () => {
    const transport = new GatedTransport(url.value, new MemoryBroker());
    transport.fail = new Error('broker down');
    const sampler = new QueueSampler(new QueueReader(transport), () => knownQueues(null, []), { now: () => T0 });
    await expect(sampler.sample()).resolves.toBeUndefined();
    expect(sampler.history.size).toBe(0);
    expect(sampler.lastSampleAt).toBeNull();
  });

  it('gives the capped places to the workers\' queues and the default queue before queues only seen in events', async () => {
    const bus = new MemoryBroker();
    const history = new QueueHistory(2);
    const sampler = new QueueSampler(new QueueReader(new MemoryTransport(url.value, bus)), () => knownQueues(replies({ 'w@h': ['video'] }), ['aaa']), {
      now: () => T0,
      history,
    });
    await sampler.sample();
    expect(history.has('video') && history.has('celery') && !history.has('aaa')).toBe(true);
  });
});
