import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatPercent, formatRateIn, rateUnitFor } from './format-values';

const UNITS = ['µs', 'ms', 's', 'min', 'h'];
/** The next unit starts at this many of each: "1000 µs" is "1.00 ms", "60.0 s" is "1.0 min". */
const LIMITS: Record<string, number> = { µs: 1000, ms: 1000, s: 60, min: 60, h: Infinity };
const SECONDS: Record<string, number> = { µs: 1e-6, ms: 1e-3, s: 1, min: 60, h: 3600 };

function parse(text: string): { value: number; unit: string; decimals: number } {
  const match = /^(−?)([\d.]+) (µs|ms|s|min|h)$/.exec(text);
  if (match === null) throw new Error(`not a duration: ${text}`);
  const digits = match[2] as string;
  return { value: Number(digits) * (match[1] === '−' ? -1 : 1), unit: match[3] as string, decimals: digits.includes('.') ? digits.length - digits.indexOf('.') - 1 : 0 };
}

/** Any duration, and often one just either side of where a unit or its decimals change. */
const durations = fc.oneof(
  fc.double({ min: 0, max: 1e7, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e-3, 1e-2, 1, 10, 60, 3600).chain((edge) => fc.double({ min: edge * 0.999, max: edge * 1.001, noNaN: true })),
);

describe('formatDuration', () => {
  it('writes a value that rounds up to the next unit in that unit', () => {
    expect(formatDuration(0.0009996)).toBe('1.00 ms');
    expect(formatDuration(0.0009994)).toBe('999 µs');
    expect(formatDuration(0.99996)).toBe('1.00 s');
    expect(formatDuration(0.9994)).toBe('999 ms');
    expect(formatDuration(59.99)).toBe('1.0 min');
    expect(formatDuration(59.94)).toBe('59.9 s');
    expect(formatDuration(3599.9)).toBe('1.0 h');
    expect(formatDuration(0.001)).toBe('1.00 ms');
    expect(formatDuration(9.996)).toBe('10.0 s');
    expect(formatDuration(0.009996)).toBe('10 ms');
  });

  it('writes nothing it cannot measure as a dash, and zero as 0 µs', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(Infinity)).toBe('—');
    expect(formatDuration(0)).toBe('0 µs');
    expect(formatDuration(-0.5)).toBe('−500 ms');
  });

  it('never prints as many of a unit as make the next one, and never moves to a smaller unit as the duration grows', () => {
    fc.assert(
      fc.property(durations, durations, (a, b) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        const x = parse(formatDuration(small));
        const y = parse(formatDuration(large));
        // No "1000 µs", "1000 ms", "60.0 s", "60.0 min".
        expect(x.value).toBeLessThan(LIMITS[x.unit] as number);
        expect(UNITS.indexOf(x.unit)).toBeLessThanOrEqual(UNITS.indexOf(y.unit));
        // Within half of the last printed digit.
        const unit = SECONDS[x.unit] as number;
        expect(Math.abs(x.value * unit - small)).toBeLessThanOrEqual(0.5 * 10 ** -x.decimals * unit * 1.000001);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('formatPercent', () => {
  it('gives a rare failure the digits it needs, never 0.0 %', () => {
    expect(formatPercent(1 / 2063)).toBe('0.048 %');
    expect(formatPercent(1 / 200)).toBe('0.50 %');
    expect(formatPercent(1 / 1_000_000)).toBe('< 0.01 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(0.99999)).toBe('> 99.9 %');
    expect(formatPercent(0.5)).toBe('50 %');
    expect(formatPercent(0.0999)).toBe('10 %');
    expect(formatPercent(0.042)).toBe('4.2 %');
    expect(formatPercent(null)).toBe('—');
  });

  it('writes 0 % only for none and 100 % only for all', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (fraction) => {
        const text = formatPercent(fraction);
        if (fraction > 0) expect(text).not.toMatch(/^0(\.0+)? %$/);
        if (fraction < 1) expect(text).not.toMatch(/^100(\.0+)? %$/);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('rate units', () => {
  it('picks one unit for a column from its largest rate', () => {
    expect(rateUnitFor(12).label).toBe('/s');
    expect(rateUnitFor(1).label).toBe('/s');
    expect(rateUnitFor(0.05).label).toBe('/min');
    expect(rateUnitFor(1 / 60).label).toBe('/min');
    expect(rateUnitFor(0.001).label).toBe('/h');
    expect(rateUnitFor(0).label).toBe('/h');
  });

  it('writes each rate of the column as a number in that unit', () => {
    const perMinute = rateUnitFor(0.05);
    expect(formatRateIn(0.05, perMinute)).toBe('3');
    expect(formatRateIn(0.0125, perMinute)).toBe('0.8');
    expect(formatRateIn(0, perMinute)).toBe('0');
    expect(formatRateIn(0.0001, perMinute)).toBe('< 0.1');
    expect(formatRateIn(1234.4, rateUnitFor(1234.4))).toBe('1,234');
    expect(formatRateIn(9.96, rateUnitFor(9.96))).toBe('10');
  });
});
