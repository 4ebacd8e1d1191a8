/**
 * The ticks of a chart's value axis, chosen so that no two read the same: recharts picks five ticks
 * over the data and the label format then rounds them, so a queue of at most 1 message read
 * "0, 0, 1, 1, 1". Here the step is a round number (1, 2, 2.5 or 5 times a power of ten, whole for
 * counts) and grows until every label differs.
 */

const NICE = [1, 2, 2.5, 5];

/** The round steps from the first at or above `least`, smallest first; whole ones only for counts (no 2.5). */
function* niceSteps(least: number, integer: boolean): Generator<number> {
  let power = 10 ** Math.floor(Math.log10(least));
  for (;;) {
    for (const m of NICE) {
      const step = m * power;
      if (step >= least * (1 - 1e-9) && (!integer || Number.isInteger(step))) yield step;
    }
    power *= 10;
  }
}

export interface ValueTickOptions {
  /** Whole numbers only (counts): no step below 1. */
  readonly integer?: boolean;
  /** How a tick is written; ticks whose labels would repeat are never chosen. */
  readonly format?: (value: number) => string;
  /** How many ticks to aim for. */
  readonly count?: number;
}

/** Ticks from 0 (or below, for negative data) to at least `max`, evenly spaced, with distinct labels. */
export function valueTicks(min: number, max: number, options: ValueTickOptions = {}): number[] {
  const { integer = false, format = String, count = 5 } = options;
  const low = Math.min(0, Number.isFinite(min) ? min : 0);
  let high = Math.max(0, Number.isFinite(max) ? max : 0);
  if (high === low) high = low + 1;
  // A step below 1e-12 is no step a label could show (and 10^floor(log10) of a subnormal is 0).
  const least = Math.max((high - low) / (count - 1), integer ? 1 : 1e-12);
  let tries = 0;
  for (const step of niceSteps(least, integer)) {
    const from = Math.floor(low / step);
    const to = Math.ceil(high / step);
    // Multiplying integers keeps 0.1 × 3 from reading 0.30000000000000004.
    const ticks = Array.from({ length: to - from + 1 }, (_, i) => Number(((from + i) * step).toPrecision(12)));
    if (new Set(ticks.map(format)).size === ticks.length || ++tries > 200) return ticks;
  }
  return [low, high]; // unreachable: niceSteps never ends
}
