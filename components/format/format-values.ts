/** How the dashboard writes durations, counts, rates and percentages (times of day: format-time.ts). */

/** How long ago a Unix-seconds timestamp was, coarsely ("4 s ago", "3 min ago"). */
export function formatAgo(seconds: number | null | undefined, nowMs = Date.now()): string {
  if (seconds === null || seconds === undefined) return '—';
  const delta = Math.max(0, nowMs / 1000 - seconds);
  if (delta < 60) return `${Math.round(delta)} s ago`;
  if (delta < 3600) return `${Math.round(delta / 60)} min ago`;
  if (delta < 86_400) return `${Math.round(delta / 3600)} h ago`;
  return `${Math.round(delta / 86_400)} d ago`;
}

interface DurationUnit {
  readonly unit: string;
  /** Seconds in one of the unit. */
  readonly seconds: number;
  /** What the next unit starts at, in this unit: "1000 µs" is "1 ms", "60 s" is "1 min". */
  readonly limit: number;
  /** Decimals for a value of this size in this unit. */
  readonly decimals: (value: number) => number;
}

const DURATION_UNITS: readonly DurationUnit[] = [
  { unit: 'µs', seconds: 1e-6, limit: 1000, decimals: () => 0 },
  { unit: 'ms', seconds: 1e-3, limit: 1000, decimals: (v) => (v < 10 ? 2 : 0) },
  { unit: 's', seconds: 1, limit: 60, decimals: (v) => (v < 10 ? 2 : 1) },
  { unit: 'min', seconds: 60, limit: 60, decimals: () => 1 },
  { unit: 'h', seconds: 3600, limit: Infinity, decimals: () => 1 },
];

/**
 * `value` rounded to the decimals its size calls for, where the size is taken after rounding: 9.996 is
 * "10.0" at two decimals, and "10" reads at the decimals of 10, so it becomes "10".
 */
function roundForSize(value: number, decimals: (value: number) => number): { text: string; rounded: number } {
  let places = decimals(value);
  let rounded = Number(value.toFixed(places));
  const after = decimals(rounded);
  if (after < places) {
    places = after;
    rounded = Number(value.toFixed(places));
  }
  return { text: rounded.toFixed(places), rounded };
}

/**
 * A duration in seconds, in the unit that reads best (µs … h). The unit is chosen on the value as it will
 * be printed, so a value that rounds up to the next unit is written in it: "1.00 ms", never "1000 µs".
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const sign = seconds < 0 ? '−' : '';
  const magnitude = Math.abs(seconds);
  for (const unit of DURATION_UNITS) {
    const { text, rounded } = roundForSize(magnitude / unit.seconds, unit.decimals);
    if (rounded < unit.limit) return `${rounded === 0 ? '' : sign}${text} ${unit.unit}`;
  }
  return '—'; // unreachable: hours have no limit
}

/** A count with thousands separators. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/** Events per second, with one decimal below 10. */
export function formatRate(perSecond: number): string {
  return perSecond >= 10 ? `${Math.round(perSecond).toLocaleString('en-US')}/s` : `${perSecond.toFixed(1)}/s`;
}

export interface RateUnit {
  /** Written after the number or in a column's header: "/s", "/min", "/h". */
  readonly label: '/s' | '/min' | '/h';
  readonly name: 'second' | 'minute' | 'hour';
  /** Seconds in the unit: a per-second rate times this is the rate in the unit. */
  readonly seconds: number;
}

const RATE_UNITS: readonly RateUnit[] = [
  { label: '/s', name: 'second', seconds: 1 },
  { label: '/min', name: 'minute', seconds: 60 },
  { label: '/h', name: 'hour', seconds: 3600 },
];

/**
 * The one unit for a column of rates, from its largest: per second when that reaches 1/s, else the
 * smallest unit in which it reaches 1 (per hour at the least). A column in one unit compares at a glance.
 */
export function rateUnitFor(largestPerSecond: number): RateUnit {
  return RATE_UNITS.find((unit) => largestPerSecond * unit.seconds >= 1) ?? RATE_UNITS[RATE_UNITS.length - 1]!;
}

/** A per-second rate as a number in `unit` (the unit is said once, by the column): "12", "3.5", "< 0.1". */
export function formatRateIn(perSecond: number, unit: RateUnit): string {
  const value = perSecond * unit.seconds;
  if (value === 0) return '0';
  if (value < 0.05) return '< 0.1';
  return roundForSize(value, (v) => (v < 10 ? 1 : 0)).rounded.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/**
 * A fraction as a percentage with the digits it needs: two significant digits below 1 %, so a rare
 * failure reads "0.048 %"; "< 0.01 %" when smaller still, "> 99.9 %" when all but a few. 0 and 1 are
 * written "0 %" and "100 %" only when they are exactly that.
 */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const percent = fraction * 100;
  if (percent === 0 || percent === 100) return `${percent} %`;
  if (percent < 0.01) return '< 0.01 %';
  if (percent > 99.9 && percent < 100) return '> 99.9 %';
  const decimals = (v: number) => (v >= 10 && v <= 90 ? 0 : v >= 1 ? 1 : Math.min(3, 1 - Math.floor(Math.log10(v))));
  return `${roundForSize(percent, decimals).text} %`;
}

/** `text` cut to `max` characters with an ellipsis: a one-line glimpse of a payload any producer writes. */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
