import { describe, expect, it } from 'vitest';
import { parseRateLimit } from './rate-limit';

describe('parseRateLimit', () => {
  it.each([
    ['10/s', 10],
    ['10/m', 10 / 60],
    ['10/min', 10 / 60],
    ['5/h', 5 / 3600],
    ['100', 100],
    ['', null],
    ['0', null],
    [null, null],
    [2.5, 2.5],
  ])('%j -> %j per second', (text, rate) => {
    const parsed = parseRateLimit(text);
    expect(parsed.ok && parsed.value).toBe(rate);
  });

  it.each(['abc', '10/x', '-1/s', '/s'])('refuses %j', (text) => {
    const parsed = parseRateLimit(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.message).toContain('Invalid rate limit string');
  });
});
