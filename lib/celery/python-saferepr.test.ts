import { describe, expect, it } from 'vitest';
import type { JsonValue } from './json';
import { pythonNumber, saferepr } from './python-saferepr';

// Expected strings were printed by Celery 5.2.6's saferepr for the same values (maxlen 30 and 1024).
describe("saferepr writes what Celery's saferepr writes", () => {
  it.each<[JsonValue, boolean, number | undefined, string]>([
    [['a\nb', "it's", 'say "hi"', 'back\\slash', 'tab\t'], true, 30, `('a\nb', 'it\\'s', 'say "hi"', 'b...', ...)`],
    [['a\nb', "it's", 'say "hi"', 'back\\slash', 'tab\t'], true, 1024, `('a\nb', 'it\\'s', 'say "hi"', 'back\\slash', 'tab\t')`],
    [[1], true, 1024, '(1,)'],
    [[], true, 1024, '()'],
    [[[[[1]]]], false, 1024, '[[[[...]]]]'],
    [[[[[1]]]], true, 1024, '([[[...]]],)'],
    ['x'.repeat(50), false, 30, `'${'x'.repeat(30)}...'`],
    [Array.from({ length: 40 }, (_, i) => i), false, 30, '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, , ...]'],
    [{ a: 'y'.repeat(30), b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }, false, 30, `{'a': '${'y'.repeat(24)}...', ...}`],
    [{ k: [1, 2], n: null }, false, 1024, "{'k': [1, 2], 'n': None}"],
    [[1, 'héllo ✓'], true, 1024, "(1, 'héllo ✓')"],
    [[true, false, null], false, undefined, '[True, False, None]'],
  ])('%j', (value, tuple, maxlen, expected) => {
    expect(saferepr(value, { tuple, maxlen })).toBe(expected);
  });
});

describe("numbers as Python's str() writes them", () => {
  it.each([
    [5, '5'],
    [-3, '-3'],
    [1.5, '1.5'],
    [1e20, '100000000000000000000'],
    [1.5e20, '150000000000000000000'],
    [1.5e-7, '1.5e-07'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-5, '1.5e-05'],
    [123456.789, '123456.789'],
    [-0, '-0.0'],
    [Infinity, 'inf'],
  ])('%s', (n, text) => {
    expect(pythonNumber(n)).toBe(text);
  });
});

