import { describe, expect, it } from 'vitest';
import { timeFormat } from './format-time';

// 2026-12-07 05:01:51.123 UTC, 10:31:51.123 in Kolkata (UTC+5:30, no daylight saving).
const AT = Date.UTC(2026, 11, 7, 5, 1, 51, 123) / 1000;
const KOLKATA = { localTimeZone: 'Asia/Kolkata' } as const;

describe('timeFormat', () => {
  it('writes one date and 24-hour time with milliseconds, and names the zone', () => {
    expect(timeFormat('utc', { locale: 'en-GB' }).dateTime(AT)).toBe('07/12/2026, 05:01:51.123 UTC');
    expect(timeFormat('local', { locale: 'en-GB', ...KOLKATA }).dateTime(AT)).toBe('07/12/2026, 10:31:51.123 GMT+5:30');
    // The locale orders the date; the clock stays 24-hour even where the locale's default is 12-hour.
    expect(timeFormat('local', { locale: 'en-US', ...KOLKATA }).dateTime(AT + 8 * 3600)).toBe('12/07/2026, 18:31:51.123 GMT+5:30');
  });

  it('writes clock times without date or zone, for a column whose header names the zone', () => {
    expect(timeFormat('utc', { locale: 'en-US' }).clock(AT)).toBe('05:01:51.123');
    expect(timeFormat('local', { locale: 'en-US', ...KOLKATA }).clock(AT)).toBe('10:31:51.123');
    expect(timeFormat('utc', { locale: 'en-US' }).zoneName()).toBe('UTC');
    expect(timeFormat('local', { locale: 'en-US', ...KOLKATA }).zoneName(AT * 1000)).toBe('GMT+5:30');
  });

  it('gives charts the time of day in the same zone, the tooltip with the zone', () => {
    expect(timeFormat('local', { locale: 'en-US', ...KOLKATA }).axisTime(AT * 1000)).toBe('10:31:51');
    expect(timeFormat('local', { locale: 'en-US', ...KOLKATA }).pointTime(AT * 1000)).toBe('10:31:51 GMT+5:30');
    expect(timeFormat('utc', { locale: 'en-US' }).pointTime(AT * 1000)).toBe('05:01:51 UTC');
  });

  it('writes an absent or impossible time as a dash', () => {
    const format = timeFormat('utc', { locale: 'en-US' });
    expect(format.dateTime(null)).toBe('—');
    expect(format.dateTime(undefined)).toBe('—');
    expect(format.dateTime(1e308)).toBe('—');
    expect(format.clock(Number.NaN)).toBe('—');
  });
});
