import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCount, formatRate } from '../format/format-values';
import { valueTicks } from './value-ticks';

describe('valueTicks', () => {
  it('gives a queue of at most one message the ticks 0 and 1, not "0, 0, 1, 1, 1"', () => {
    expect(valueTicks(0, 1, { integer: true, format: formatCount })).toEqual([0, 1]);
    expect(valueTicks(0, 0, { integer: true, format: formatCount })).toEqual([0, 1]);
    expect(valueTicks(0, 3, { integer: true, format: formatCount })).toEqual([0, 1, 2, 3]);
    expect(valueTicks(0, 25, { integer: true, format: formatCount })).toEqual([0, 10, 20, 30]);
    // 9 over four steps asks for 2.25 each: a count axis takes 5, never 2.5.
    expect(valueTicks(0, 9, { integer: true, format: formatCount })).toEqual([0, 5, 10]);
  });

  it('widens the step until the format writes every tick differently', () => {
    // formatRate writes one decimal: 0.05 and 0.1 would both read "0.1/s".
    expect(valueTicks(0, 0.2, { format: formatRate }).map(formatRate)).toEqual(['0.0/s', '0.1/s', '0.2/s']);
  });

  it('never repeats a label, covers the data and starts at zero (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.boolean(), (max, integer) => {
        const format = integer ? formatCount : formatRate;
        const ticks = valueTicks(0, integer ? Math.round(max) : max, { integer, format });
        const labels = ticks.map(format);
        expect(new Set(labels).size).toBe(labels.length);
        expect(ticks[0]).toBe(0);
        expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(integer ? Math.round(max) : max);
        if (integer) for (const tick of ticks) expect(Number.isInteger(tick)).toBe(true);
        expect(ticks.length).toBeLessThanOrEqual(7);
      }),
      { numRuns: 3000 },
    );
  });
});
