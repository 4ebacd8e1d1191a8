import { describe, expect, it } from 'vitest';
import { numberParam, rateLimitParam, signalParam, textParam, wholeNumberParam } from './flower-control-params';

const ok = <T>(result: { success: true; data: T } | { success: false }) => (result.success ? result.data : 'rejected');

describe('Flower control parameters', () => {
  it.each([
    [2, 2],
    ['2', 2],
    [' 0.5 ', 0.5],
    ['1e3', 1000],
    ['', 'rejected'],
    ['abc', 'rejected'],
    ['Infinity', 'rejected'],
    [null, 'rejected'],
  ])('reads %j as a number: %j', (input, expected) => {
    expect(ok(numberParam.safeParse(input))).toEqual(expected);
  });

  it('says "required" for a missing number and text, and names what a bad one should be', () => {
    const missing = wholeNumberParam(1).safeParse(undefined);
    expect(missing.success ? null : missing.error.issues[0]?.message).toBe('required');
    const fraction = wholeNumberParam(1).safeParse('2.5');
    expect(fraction.success ? null : fraction.error.issues[0]?.message).toBe('expected a whole number');
    const text = textParam.safeParse(undefined);
    expect(text.success ? null : text.error.issues[0]?.message).toBe('required');
    expect(ok(textParam.safeParse('  '))).toBe('rejected');
  });

  it.each([
    ['SIGTERM', 'SIGTERM'],
    ['KILL', 'SIGKILL'],
    ['sigusr1', 'SIGUSR1'],
    ['9', 9],
    [15, 15],
    ['0', 'rejected'],
    ['65', 'rejected'],
    ['SIGNOPE', 'rejected'],
    ['', 'rejected'],
  ])('takes signal %j as %j (what Celery’s signum accepts)', (input, expected) => {
    expect(ok(signalParam.safeParse(input))).toEqual(expected);
  });

  it.each([
    ['200', '200'],
    [200, '200'],
    ['10/s', '10/s'],
    ['10/m', '10/m'],
    [' 5/h ', '5/h'],
    ['', ''],
    ['0.5/s', '0.5/s'],
    ['10/min', 'rejected'],
    ['10/d', 'rejected'],
    ['fast', 'rejected'],
    ['-1/s', 'rejected'],
  ])('takes rate limit %j as %j', (input, expected) => {
    expect(ok(rateLimitParam.safeParse(input))).toEqual(expected);
  });
});
