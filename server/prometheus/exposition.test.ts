import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, Exposition, formatBound, formatValue, labels } from './exposition';
import { parseExposition, sampleValue } from './exposition-test-parser';

const AWKWARD = ['plain', '', 'quote " inside', 'back\\slash', 'line\nfeed', 'all \\" \n\\n together', 'ünïcødé ✓', 'trailing\\', '{braces},commas='];

describe('exposition text', () => {
  it.each(AWKWARD)('writes label value %j so that a strict reader gets it back unchanged', (value) => {
    const text = new Exposition().family('t_total', 'counter', 'x').sample('t_total', labels({ worker: value, task: 'a' }), 1).text();
    const families = parseExposition(text);
    expect(families.get('t_total')?.samples[0]?.labels).toEqual({ worker: value, task: 'a' });
  });

  it('escapes backslash, double quote and line feed in label values, and leaves other printable text alone', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('ünïcødé ✓ 🐝')).toBe('ünïcødé ✓ 🐝');
  });

  // A producer names tasks and workers: NUL, CR, tab, DEL, C1 and lone surrogates reach the labels.
  const HOSTILE = ['nul\u0000byte', 'cr\rreturn', 'tab\there', 'bell\u0007 esc\u001b[31m', 'del\u007f', 'c1\u0085', 'lone\ud800', 'lone\udc00 low', '\u0000'];
  it.each(HOSTILE)('spells out the control characters of %j so that the exposition stays valid', (value) => {
    const text = new Exposition().family('t_total', 'counter', 'x').sample('t_total', labels({ task: value }), 1).text();
    expect(text.split('\n')).toHaveLength(4);
    const task = parseExposition(text).get('t_total')?.samples[0]?.labels['task'];
    expect(task).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/);
  });

  it('never gives two names the same series, even names that look like our spelling of a control character', () => {
    const names = ['a\u0000', 'a\\x00', 'a\\\u0000', 'a\\\\x00', 'a\\u0000', 'a\ud800', 'a\\ud800', 'a', 'a\\', 'a\\\\'];
    const out = new Exposition().family('t_total', 'counter', 'x');
    names.forEach((name, i) => out.sample('t_total', labels({ task: name }), i));
    const samples = parseExposition(out.text()).get('t_total')?.samples ?? [];
    expect(new Set(samples.map((s) => s.labels['task'])).size).toBe(names.length);
    // Everyday names keep their labels exactly, backslashes included.
    expect(samples[7]?.labels['task']).toBe('a');
    expect(samples[8]?.labels['task']).toBe('a\\');
  });

  it('escapes backslash and line feed in HELP, and keeps quotes', () => {
    expect(escapeHelp('say "hi"\\\n')).toBe('say "hi"\\\\\\n');
    const families = parseExposition(new Exposition().family('g', 'gauge', 'two\nlines \\ "q"').text());
    expect(families.get('g')?.help).toBe('two\nlines \\ "q"');
  });

  it.each([
    [3, '3'],
    [0.25, '0.25'],
    [-1.5, '-1.5'],
    [1e21, '1e+21'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('formats %s as %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  it("writes bucket bounds as Python's prometheus_client does, so le labels match Flower's", () => {
    expect([0.005, 0.075, 1, 2.5, 10, Infinity].map(formatBound)).toEqual(['0.005', '0.075', '1.0', '2.5', '10.0', '+Inf']);
  });

  it('writes histograms with cumulative buckets ending in +Inf, then _sum and _count', () => {
    const text = new Exposition().family('h_seconds', 'histogram', 'x').histogram('h_seconds', 'w="a"', ['0.1', '1.0', '+Inf'], [2, 0, 1], 5.5).text();
    expect(text).toBe(
      '# HELP h_seconds x\n# TYPE h_seconds histogram\n' +
        'h_seconds_bucket{w="a",le="0.1"} 2\nh_seconds_bucket{w="a",le="1.0"} 2\nh_seconds_bucket{w="a",le="+Inf"} 3\n' +
        'h_seconds_sum{w="a"} 5.5\nh_seconds_count{w="a"} 3\n',
    );
    const families = parseExposition(text);
    expect(sampleValue(families, 'h_seconds', { w: 'a' }, 'h_seconds_count')).toBe(3);
  });

  it('an empty exposition is the empty text', () => {
    expect(new Exposition().text()).toBe('');
  });
});

describe('the strict reader used by these tests', () => {
  it.each([
    ['an unescaped quote', '# TYPE a gauge\na{w="x"y"} 1\n'],
    ['an unquoted label value', '# TYPE a gauge\na{w=x} 1\n'],
    ['an unknown escape', '# TYPE a gauge\na{w="x\\q"} 1\n'],
    ['a raw NUL in a label value', '# TYPE a gauge\na{w="x\u0000y"} 1\n'],
    ['a raw carriage return in a label value', '# TYPE a gauge\na{w="x\ry"} 1\n'],
    ['a value that is no float', '# TYPE a gauge\na 1,5\n'],
    ['a series twice', '# TYPE a gauge\na{w="x"} 1\na{w="x"} 2\n'],
    ['a sample without its TYPE', 'a 1\n'],
    ['TYPE after samples', '# TYPE a gauge\na 1\n# TYPE a gauge\n'],
    ['buckets that go down', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['+Inf different from _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'],
    ['no final line feed', '# TYPE a gauge\na 1'],
  ])('rejects %s', (_, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
