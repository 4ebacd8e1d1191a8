import { describe, expect, it } from 'vitest';
import { KeyRegistry } from './key-registry';
import { OTHER_KEY } from './metric-types';

describe('KeyRegistry', () => {
  it('gives each key an id up to the cap, then OTHER, counting the overflow', () => {
    const registry = new KeyRegistry(3);
    expect([registry.use('a', 1), registry.use('b', 1), registry.use('a', 2), registry.use('c', 2)]).toEqual([0, 1, 0, 2]);
    expect(registry.find(OTHER_KEY)).toBe(-1);
    for (let i = 0; i < 30; i++) expect(registry.use(`k${i}`, 3)).toBe(registry.otherId);
    expect(registry.size).toBe(3);
    expect(registry.overflowEvents).toBe(30);
    expect(registry.list()).toEqual(['a', 'b', 'c', OTHER_KEY]);
    expect(registry.find('k1')).toBe(-1);
    expect(registry.find(OTHER_KEY)).toBe(3);
    expect(registry.keyOf(3)).toBe(OTHER_KEY);
    expect(registry.keyOf(1)).toBe('b');
  });

  it('releases idle keys and hands their ids to new keys', () => {
    const registry = new KeyRegistry(2);
    registry.use('old', 1000);
    registry.use('busy', 1000);
    registry.use('busy', 5000);
    expect(registry.use('new', 5000)).toBe(registry.otherId);
    expect(registry.releaseIdle(2000)).toEqual([0]);
    expect(registry.find('old')).toBe(-1);
    expect(registry.keyOf(0)).toBeNull();
    expect(registry.use('new', 6000)).toBe(0);
    expect(registry.list()).toEqual(['busy', 'new', OTHER_KEY]);
    expect(registry.releaseIdle(2000)).toEqual([]);
  });
});
