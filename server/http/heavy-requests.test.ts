import { describe, expect, it } from 'vitest';
import { HeavyRequests } from './heavy-requests';

describe('HeavyRequests', () => {
  it('runs at most `running` at once, hands each freed turn to the next in arrival order, and refuses past `waiting`', async () => {
    const gate = new HeavyRequests({ running: 2, waiting: 2, waitMs: 60_000 });
    const first = await gate.acquire();
    const second = await gate.acquire();
    const order: string[] = [];
    const third = gate.acquire().then((release) => (order.push('third'), release));
    const fourth = gate.acquire().then((release) => (order.push('fourth'), release));
    expect(await gate.acquire()).toBeNull();
    expect(gate.load()).toEqual({ running: 2, waiting: 2 });

    first?.();
    first?.(); // a second release gives nothing back twice
    const thirdRelease = await third;
    expect(order).toEqual(['third']);
    expect(gate.load()).toEqual({ running: 2, waiting: 1 });

    second?.();
    const fourthRelease = await fourth;
    expect(order).toEqual(['third', 'fourth']);
    thirdRelease?.();
    fourthRelease?.();
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses one that waited too long, and forgets it', async () => {
    const gate = new HeavyRequests({ running: 1, waiting: 4, waitMs: 20 });
    const held = await gate.acquire();
    expect(await gate.acquire()).toBeNull();
    expect(gate.load()).toEqual({ running: 1, waiting: 0 });
    held?.();
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });
});
