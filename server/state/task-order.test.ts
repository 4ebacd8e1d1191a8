import { describe, expect, it } from 'vitest';
import { seeded } from '../metrics/test-random';
import { TaskOrder } from './task-order';
import { bySlot, compare, type Entry, task } from './order-test-tasks';
import type { TaskRecord } from './task-record';

function entries(order: TaskOrder, forward = true): Entry[] {
  const out: Entry[] = [];
  order.walk(order.start(), order.end(), forward, (t, value) => (out.push({ value, task: t }), true));
  return out;
}

describe('a task order', () => {
  it('stays sorted by (value, arrival) through random inserts and removals, appends, ties and thousands of entries', () => {
    const random = seeded(17);
    const order = new TaskOrder(bySlot);
    let reference: Entry[] = [];
    let seq = 1;
    for (let step = 0; step < 20_000; step++) {
      const roll = random();
      if (roll < 0.55 || reference.length === 0) {
        // Mostly growing times, some far back, many ties (runtimes repeat).
        const value = roll < 0.3 ? step + random() : roll < 0.45 ? Math.floor(random() * 50) : random() * step;
        const entry = { value, task: task(seq++) };
        order.insert(entry.value, entry.task);
        reference.push(entry);
      } else {
        const victim = reference[Math.floor(random() * reference.length)] as Entry;
        expect(order.remove(victim.value, victim.task)).toBe(true);
        reference = reference.filter((e) => e !== victim);
      }
      if (step % 997 === 0) {
        reference.sort(compare);
        expect(entries(order)).toEqual(reference);
      }
    }
    reference.sort(compare);
    expect(order.size).toBe(reference.length);
    expect(entries(order)).toEqual(reference);
    expect(entries(order, false)).toEqual([...reference].reverse());
    // A task not there, or there with another value, is not removed.
    const stranger = task(seq++);
    expect(order.remove(5, stranger)).toBe(false);
    const some = reference[10] as Entry;
    expect(order.remove(some.value + 0.5, some.task)).toBe(false);
    expect(order.size).toBe(reference.length);
  });

  it('seeks, ranks and walks any range in both directions, stopping when told', () => {
    const random = seeded(5);
    const order = new TaskOrder(bySlot);
    const reference: Entry[] = [];
    for (let seq = 1; seq <= 3000; seq++) {
      const entry = { value: Math.floor(random() * 400), task: task(seq) };
      order.insert(entry.value, entry.task);
      reference.push(entry);
    }
    reference.sort(compare);
    for (let probe = 0; probe < 300; probe++) {
      const value = Math.floor(random() * 420) - 10;
      const seq = Math.floor(random() * 3100);
      const place = order.seek(value, seq);
      const rank = reference.findIndex((e) => e.value > value || (e.value === value && e.task.seq >= seq));
      const expected = rank === -1 ? reference.length : rank;
      expect(order.rankOf(place)).toBe(expected);
      expect(order.rankOf(order.placeAt(expected))).toBe(expected);
      const until = Math.min(reference.length, expected + Math.floor(random() * 900));
      const hi = order.placeAt(until);
      const forward: Entry[] = [];
      order.walk(place, hi, true, (t, v) => (forward.push({ value: v, task: t }), true));
      expect(forward).toEqual(reference.slice(expected, until));
      const backward: Entry[] = [];
      order.walk(place, hi, false, (t, v) => (backward.push({ value: v, task: t }), true));
      expect(backward).toEqual(reference.slice(expected, until).reverse());
      let visited = 0;
      order.walk(place, order.end(), probe % 2 === 0, () => ++visited < 7);
      expect(visited).toBe(Math.min(7, reference.length - expected));
    }
    expect(order.rankOf(order.placeAt(10_000))).toBe(reference.length);
  });

  it('gives the newest or oldest k by arrival within a range, past a bound, of those accepted, whatever the values', () => {
    const random = seeded(23);
    const order = new TaskOrder(bySlot);
    const reference: Entry[] = [];
    let seq = 1;
    for (let step = 0; step < 6000; step++) {
      if (random() < 0.8 || reference.length === 0) {
        // Values mostly follow arrival, as received times do, with some far out of line.
        const entry = { value: random() < 0.85 ? seq + random() * 30 : random() * 6000, task: task(seq++) };
        order.insert(entry.value, entry.task);
        reference.push(entry);
      } else {
        const [victim] = reference.splice(Math.floor(random() * reference.length), 1);
        order.remove((victim as Entry).value, (victim as Entry).task);
      }
    }
    reference.sort(compare);
    for (let probe = 0; probe < 400; probe++) {
      const a = Math.floor(random() * (reference.length + 1));
      const b = Math.min(reference.length, a + Math.floor(random() * 3000));
      const newest = random() < 0.5;
      const k = 1 + Math.floor(random() * 60);
      const beyond = random() < 0.5 ? null : Math.floor(random() * seq);
      const odd = random() < 0.3;
      const accept = (t: TaskRecord) => !odd || t.seq % 2 === 1;
      const expected = reference
        .slice(a, b)
        .map((e) => e.task)
        .filter((t) => accept(t) && (beyond === null || (newest ? t.seq < beyond : t.seq > beyond)))
        .sort((x, y) => (newest ? y.seq - x.seq : x.seq - y.seq))
        .slice(0, k);
      expect(order.byArrival(order.placeAt(a), order.placeAt(b), k, newest, beyond, accept)).toEqual(expected);
    }
  });

  it('walks nothing when empty', () => {
    const order = new TaskOrder(bySlot);
    let visited = 0;
    order.walk(order.start(), order.end(), true, () => (visited++, true));
    order.walk(order.start(), order.end(), false, () => (visited++, true));
    expect(visited).toBe(0);
    expect(order.remove(1, task(1))).toBe(false);
    expect(order.rankOf(order.seek(3, 3))).toBe(0);
  });
});
