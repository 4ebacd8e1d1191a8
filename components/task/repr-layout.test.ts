import { describe, expect, test } from 'vitest';
import { layoutRepr, MAX_INDENT_DEPTH, plainText } from './repr-layout';

const deep = (depth: number): string => `(${'['.repeat(depth)}1${']'.repeat(depth)},)`;

describe('layoutRepr', () => {
  test('a short repr stays as it is', () => {
    expect(layoutRepr("(1, 'a')")).toEqual({ text: "(1, 'a')", cut: false });
  });

  test('a long repr gets a line per item, short groups stay inline, the text is unchanged but for spacing', () => {
    const repr = `({'user': 'alice', 'tags': ['a', 'b']}, [${Array.from({ length: 20 }, (_, i) => `'item-${i}'`).join(', ')}])`;
    const { text, cut } = layoutRepr(repr);
    expect(cut).toBe(false);
    expect(text).toBe(`(\n  {'user': 'alice', 'tags': ['a', 'b']},\n  [\n${Array.from({ length: 20 }, (_, i) => `    'item-${i}'`).join(',\n')}\n  ]\n)`);
    expect(text.replace(/\s+/g, '')).toBe(repr.replace(/\s+/g, ''));
  });

  test('brackets and commas inside strings are text; a cut repr is shown as it is', () => {
    const repr = `('[not, a, list] ${'x'.repeat(80)}', 2)`;
    expect(layoutRepr(repr).text).toBe(`(\n  '[not, a, list] ${'x'.repeat(80)}',\n  2\n)`);
    const cutRepr = `('${'y'.repeat(80)}', [1, 2, ...`;
    expect(layoutRepr(cutRepr)).toEqual({ text: cutRepr, cut: false });
  });

  test('a 20 000-deep repr is laid out at once, in output linear in its size, indented at most MAX_INDENT_DEPTH levels', () => {
    const repr = deep(20_000);
    const started = performance.now();
    const { text, cut } = layoutRepr(repr);
    const ms = performance.now() - started;
    expect(cut).toBe(false);
    expect(text.length).toBeLessThan(repr.length * 2);
    expect(text.replace(/\s+/g, '')).toBe(repr);
    const widestIndent = Math.max(...text.split('\n').map((line) => line.length - line.trimStart().length));
    expect(widestIndent).toBe(MAX_INDENT_DEPTH * 2);
    // Generous: it takes a few milliseconds; the quadratic layout it replaces took minutes.
    expect(ms).toBeLessThan(1000);
  });

  test('20 000 deep items with commas at every level: still linear', () => {
    let repr = '0';
    for (let i = 0; i < 20_000; i++) repr = `[${i}, ${repr}]`;
    const { text } = layoutRepr(repr);
    expect(text.length).toBeLessThan(repr.length * 2);
  });

  test('the limit cuts the output there and says so; a larger limit shows more of the same text', () => {
    const repr = deep(20_000);
    const first = layoutRepr(repr, 1000);
    expect(first.cut).toBe(true);
    expect(first.text.length).toBe(1000);
    const more = layoutRepr(repr, 4000);
    expect(more.text.length).toBe(4000);
    expect(more.text.startsWith(first.text)).toBe(true);
    expect(layoutRepr(repr, repr.length * 3).cut).toBe(false);
  });
});

test('plainText cuts at the limit', () => {
  expect(plainText('abcdef', 4)).toEqual({ text: 'abcd', cut: true });
  expect(plainText('abc', 4)).toEqual({ text: 'abc', cut: false });
});
