import { describe, expect, it } from 'vitest';
import { createApp, taskArguments } from './app';
import { backoffCountdown } from './task-options';
import { exceptionInfo, exceptionRepr, formatTraceback, TimeLimitExceeded } from './task-errors';
import { nodeName } from '../worker-options';

describe('task registry', () => {
  const app = createApp().task('t.add', { params: ['x', 'y'] }, (_ctx, x: number, y: number) => x + y);
  const add = app.get('t.add')!;

  it('maps keyword arguments onto the declared parameters, as Python would', () => {
    expect(taskArguments(add, [1], { y: 2 })).toEqual([1, 2]);
    expect(taskArguments(add, [], { y: 2, x: 1 })).toEqual([1, 2]);
    expect(() => taskArguments(add, [1], { z: 2 })).toThrow("unexpected keyword argument 'z'");
    expect(() => taskArguments(add, [1], { x: 2 })).toThrow("multiple values for argument 'x'");
    expect(() => taskArguments(add, [], { y: 2 })).toThrow("missing required argument 'x'");
  });

  it('refuses bad options and duplicate names', () => {
    expect(() => createApp().task('t', { rateLimit: 'fast' }, () => 1)).toThrow('Invalid rate limit string');
    expect(() => createApp().task('t', { timeLimit: -1 }, () => 1)).toThrow('timeLimit');
    expect(() => app.task('t.add', () => 1)).toThrow('registered twice');
  });

  it('backs off exponentially, capped, without jitter when asked', () => {
    const o = createApp().task('b', { retryBackoff: 2, retryJitter: false, retryBackoffMax: 20 }, () => 1).get('b')!.options;
    expect([0, 1, 2, 3, 4].map((r) => backoffCountdown(o, r))).toEqual([2, 4, 8, 16, 20]);
    expect(backoffCountdown(add.options, 5)).toBe(180);
  });
});

describe('errors as Python sees them', () => {
  it('names builtins by module, other errors by class only', () => {
    expect(exceptionInfo(new TypeError('x'))).toEqual({ type: 'TypeError', module: 'builtins', message: ['x'] });
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    expect(exceptionInfo(new QuotaError('over'))).toEqual({ type: 'QuotaError', module: null, message: ['over'] });
    expect(exceptionRepr(new Error("it's"))).toBe(`Error("it's")`);
    expect(exceptionRepr(new TimeLimitExceeded(5))).toBe('TimeLimitExceeded(5.0)');
  });

  it('formats the stack as a Python traceback, innermost last', () => {
    function inner(): never {
      throw new RangeError('deep');
    }
    let error: unknown;
    try {
      inner();
    } catch (e) {
      error = e;
    }
    const tb = formatTraceback(error);
    expect(tb.startsWith('Traceback (most recent call last):\n  File "')).toBe(true);
    const lines = tb.trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(/in inner$/);
    expect(lines.at(-1)).toBe('RangeError: deep');
  });
});

describe('node names', () => {
  it('expands %h, %n and %d as celery -n does', () => {
    expect(nodeName('w1@%h', 'box.example.com')).toBe('w1@box.example.com');
    expect(nodeName('%n-worker@%d', 'box.example.com')).toBe('box-worker@example.com');
    expect(nodeName('plain', 'box')).toBe('plain@box');
  });
});
