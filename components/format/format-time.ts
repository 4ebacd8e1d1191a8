/**
 * How the dashboard writes times: one format everywhere, in the browser's locale with a 24-hour clock,
 * in the zone the user chose (the browser's own, or UTC), and always saying which zone that is.
 */

/** The user's choice of zone; `local` is the browser's. */
export type TimeZoneChoice = 'local' | 'utc';

export const TIME_ZONE_CHOICES: readonly TimeZoneChoice[] = ['local', 'utc'];

export function isTimeZoneChoice(value: unknown): value is TimeZoneChoice {
  return value === 'local' || value === 'utc';
}

export interface TimeFormat {
  readonly choice: TimeZoneChoice;
  /** Date, time of day with milliseconds, and zone: "07/12/2026, 10:33:10.510 GMT+5:30"; "—" when absent. */
  dateTime(seconds: number | null | undefined): string;
  /** Time of day with milliseconds, for a column whose header names the zone: "10:33:10.510". */
  clock(seconds: number | null | undefined): string;
  /** Time of day to the second, for a chart's time axis: "10:33:10". */
  axisTime(ms: number): string;
  /** Time of day to the second with the zone, for a chart's tooltip: "10:33:10 GMT+5:30". */
  pointTime(ms: number): string;
  /** The zone's short name at an instant (now by default): "UTC", "GMT+5:30", "CET". */
  zoneName(ms?: number): string;
}

export interface TimeFormatOptions {
  /** A BCP 47 locale; the runtime's (the browser's) when absent. */
  readonly locale?: string;
  /** The IANA zone `local` stands for; the runtime's own when absent (tests name one). */
  readonly localTimeZone?: string;
}

const DATE = { year: 'numeric', month: '2-digit', day: '2-digit' } as const;
const TIME = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' } as const;
const MILLIS = { fractionalSecondDigits: 3 } as const;
const ZONE = { timeZoneName: 'short' } as const;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Intl.DateTimeFormat is costly to build and a table formats thousands of cells: one per shape, kept. */
function formatter(locale: string | undefined, timeZone: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${timeZone ?? ''}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (found === undefined) {
    found = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    formatters.set(key, found);
  }
  return found;
}

export function timeFormat(choice: TimeZoneChoice, options: TimeFormatOptions = {}): TimeFormat {
  const { locale } = options;
  const timeZone = choice === 'utc' ? 'UTC' : options.localTimeZone;
  const full = formatter(locale, timeZone, { ...DATE, ...TIME, ...MILLIS, ...ZONE });
  const clock = formatter(locale, timeZone, { ...TIME, ...MILLIS });
  const axis = formatter(locale, timeZone, TIME);
  const point = formatter(locale, timeZone, { ...TIME, ...ZONE });
  const zone = formatter(locale, timeZone, { ...TIME, ...ZONE });
  const dateOf = (seconds: number | null | undefined): Date | null => (seconds === null || seconds === undefined || !Number.isFinite(seconds) ? null : new Date(seconds * 1000));
  const safe = (f: Intl.DateTimeFormat, date: Date | null): string => (date === null || Number.isNaN(date.getTime()) ? '—' : f.format(date));
  return {
    choice,
    dateTime: (seconds) => safe(full, dateOf(seconds)),
    clock: (seconds) => safe(clock, dateOf(seconds)),
    axisTime: (ms) => safe(axis, new Date(ms)),
    pointTime: (ms) => safe(point, new Date(ms)),
    zoneName: (ms = Date.now()) => zone.formatToParts(new Date(ms)).find((part) => part.type === 'timeZoneName')?.value ?? (timeZone ?? ''),
  };
}
