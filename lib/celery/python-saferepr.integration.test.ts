/**
 * saferepr() against Celery's own saferepr, run by Debian's python3-celery on the same values: what a TS
 * producer writes as argsrepr/kwargsrepr must be what a Python producer writes, byte for byte. And the
 * repr parser reads Celery's output of those values back to the values themselves (or says it was cut).
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requireProgram } from '@/test/harness/child';
import type { JsonValue } from './json';
import { parsePythonRepr } from './python-repr';
import { saferepr } from './python-saferepr';

interface Case {
  readonly value: JsonValue;
  readonly tuple: boolean;
  readonly maxlen: number | null;
}

const PYTHON_SAFEREPR = `
import json, sys
from celery.utils.saferepr import saferepr
out = []
for case in json.load(sys.stdin):
    value = case['value']
    if case['tuple']:
        value = tuple(value)
    out.append(saferepr(value, case['maxlen']))
json.dump(out, sys.stdout)
`;

function pythonSaferepr(cases: Case[]): string[] {
  requireProgram('/usr/bin/python3', 'python3-celery');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', PYTHON_SAFEREPR], { input: JSON.stringify(cases), encoding: 'utf8' })) as string[];
}

// Integers only where Python would also see an int; floats that JSON keeps as floats (never integral).
const number = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)));
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40, unit: 'grapheme' }), fc.constantFrom("it's", 'a\\b', 'tab\there', 'line\nbreak', 'x...'));
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof({ maxDepth: 5, depthSize: 'small' }, number, text, fc.boolean(), fc.constant(null), tie('list'), tie('dict')),
  list: fc.array(tie('value'), { maxLength: 8 }),
  dict: fc.dictionary(text, tie('value'), { maxKeys: 6 }),
})) as { value: fc.Arbitrary<JsonValue> };

function depth(value: JsonValue): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depth));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depth));
  return 0;
}

describe("saferepr matches Celery's saferepr", () => {
  const cases: Case[] = fc.sample(
    fc.record({ value: fc.array(jsonValue, { maxLength: 6 }) as fc.Arbitrary<JsonValue>, tuple: fc.boolean(), maxlen: fc.constantFrom(null, 1024, 60, 25, 8) }),
    { numRuns: 600, seed: 20261121 },
  );
  const expected = pythonSaferepr(cases);

  it('for 600 generated argument lists, with and without cuts', () => {
    const mismatches = cases
      .map((c, i) => ({ c, python: expected[i], ours: saferepr(c.value, { tuple: c.tuple, maxlen: c.maxlen ?? undefined }) }))
      .filter((m) => m.python !== m.ours);
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it("and the parser reads Python's output back to the value, or reports the cut", () => {
    cases.forEach((c, i) => {
      const parsed = parsePythonRepr(expected[i] as string);
      if (parsed.ok) expect(parsed.value).toEqual(c.value);
      else expect(['truncated', 'ambiguous']).toContain(parsed.error.code);
      // Output that saferepr did not cut (no maxlen, at most 3 levels deep, no string ending in '...') parses back.
      if (c.maxlen === null && depth(c.value) <= 3 && !JSON.stringify(c.value).includes('...')) {
        expect(parsed).toEqual({ ok: true, value: c.value });
      }
    });
  });
});
