import { describe, expect, it } from 'vitest';
import { seeded } from '../metrics/test-random';
import { GenerationalOrder } from './generational-order';
import { bySlot, compare, type Entry, task } from './order-test-tasks';

function walked(order: GenerationalOrder, lo: { value: number; seq: number }, hi: { value: number; seq: number }, forward: boolean, limit = Infinity): Entry[] {
  const out: Entry[] = [];
  order.walk(lo, hi, forward, (t, value) => (out.push({ value, task: t }), out.length < limit));
  return out;
}

describe('a generational order', () => {
  it('reads as one order through random inserts, removals oldest first and out of turn, ties, and bounded walks both ways', () => {
    const random = seeded(23);
    // Generations of 16: hundreds of them start, drain, fold and go in this run.
    const order = new GenerationalOrder(bySlot, 16);
    let reference: Entry[] = [];
    let seq = 1;
    for (let step = 0; step < 6_000; step++) {
      const roll = random();
      if (roll < 0.5 || reference.length === 0) {
        // Runtimes: in no order, with ties.
        const entry = { value: roll < 0.1 ? Math.floor(random() * 5) : random() * 100, task: task(seq++) };
        order.insert(entry.value, entry.task);
        reference.push(entry);
      } else {
        // Eviction takes the oldest inserted mostly; sometimes any (a value that changed).
        const at = roll < 0.9 ? 0 : Math.floor(random() * reference.length);
        const [gone] = reference.splice(at, 1) as [Entry];
        expect(order.remove(gone.value, gone.task)).toBe(true);
      }
      if (step % 97 === 0) {
        expect(order.remove(-1, task(seq++))).toBe(false);
        const sorted = [...reference].sort(compare);
        expect(order.size).toBe(sorted.length);
        expect(walked(order, order.start(), order.end(), true)).toEqual(sorted);
        expect(walked(order, order.start(), order.end(), false)).toEqual([...sorted].reverse());
        expect(order.firstValue()).toBe(sorted[0]?.value ?? null);
        // A bound between entries, on an entry, and a page that stops early.
        const pivot = sorted[Math.floor(random() * sorted.length)];
        if (pivot !== undefined) {
          const lo = order.seek(pivot.value, pivot.task.seq);
          expect(walked(order, lo, order.end(), true)).toEqual(sorted.filter((e) => compare(e, pivot) >= 0));
          expect(walked(order, order.start(), lo, false, 5)).toEqual(sorted.filter((e) => compare(e, pivot) < 0).reverse().slice(0, 5));
          expect(walked(order, order.seek(pivot.value, -Infinity), order.seek(pivot.value, Infinity), true)).toEqual(sorted.filter((e) => e.value === pivot.value));
        }
      }
    }
  });

  it('keeps few generations while eviction drains them, stragglers folded forward', () => {
    const order = new GenerationalOrder(bySlot, 16);
    const held: Entry[] = [];
    let seq = 100_000;
    for (let i = 0; i < 5_000; i++) {
      const entry = { value: (i * 7919) % 1000, task: task(seq++) };
      order.insert(entry.value, entry.task);
      held.push(entry);
      // Every tenth task stays (a straggler); the rest go oldest first, 64 behind.
      const old = held.length > 64 ? held.splice(held.length - 65, 1)[0] : undefined;
      if (old !== undefined && old.task.seq % 10 !== 0) order.remove(old.value, old.task);
    }
    // Each but the two newest holds at least a quarter of a generation.
    const generations = (order as unknown as { generations: unknown[] }).generations.length;
    expect(generations).toBeLessThanOrEqual(order.size / 4 + 2);
    expect(order.size).toBeGreaterThan(500);
  });
});
