import { describe, expect, it } from 'vitest';
import { pythonRepr, pythonStringRepr } from './python-repr-format';

describe('pythonStringRepr', () => {
  it.each([
    ['boom', "'boom'"],
    ["it's", `"it's"`],
    [`both ' and "`, `'both \\' and "'`],
    ['a\nb\\c\t', "'a\\nb\\\\c\\t'"],
    ['\x01é€\x85', "'\\x01é€\\x85'"],
  ])('%j', (text, repr) => expect(pythonStringRepr(text)).toBe(repr));
});

describe('pythonRepr', () => {
  it('writes JSON values as Python literals', () => {
    expect(pythonRepr([null, true, 1.5, 2, { k: 'v' }])).toBe("[None, True, 1.5, 2, {'k': 'v'}]");
  });
});
