import { describe, expect, it } from 'vitest';
import { resolveWindow, windowQuery } from './metrics-window';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

function parse(query: Record<string, string>) {
  return windowQuery.safeParse(query);
}

function window(query: Record<string, string>) {
  const parsed = parse(query);
  if (!parsed.success) throw new Error(parsed.error.message);
  return resolveWindow(parsed.data, NOW);
}

describe('metrics window parameters', () => {
  it.each([
    [{}, { from: NOW - 15 * 60_000, to: NOW, resolution: 'second' }],
    [{ range: '15m' }, { from: NOW - 15 * 60_000, to: NOW, resolution: 'second' }],
    [{ range: '1h' }, { from: NOW - 3_600_000, to: NOW, resolution: 'minute' }],
    [{ range: '15m', resolution: 'minute' }, { from: NOW - 15 * 60_000, to: NOW, resolution: 'minute' }],
    [{ range: '24h', resolution: 'second' }, { from: NOW - 86_400_000, to: NOW, resolution: 'second' }],
    [{ from: String(NOW - 5000) }, { from: NOW - 5000, to: NOW, resolution: 'second' }],
    [{ to: String(NOW - 60_000) }, { from: NOW - 16 * 60_000, to: NOW - 60_000, resolution: 'minute' }],
    [{ from: '2026-11-21T11:00:00Z', to: '2026-11-21T11:30:00.000Z' }, { from: NOW - 3_600_000, to: NOW - 1_800_000, resolution: 'minute' }],
    [{ from: '2026-11-21T12:00:00+01:00' }, { from: NOW - 3_600_000, to: NOW, resolution: 'minute' }],
  ])('%j means %j', (query, expected) => {
    expect(window(query)).toEqual(expected);
  });

  it.each([
    [{ from: 'yesterday' }, 'from'],
    [{ from: 'March 7, 2026' }, 'from'],
    [{ to: '2026-13-45T99:00:00Z' }, 'to'],
    [{ from: '' }, 'from'],
    [{ range: '2h' }, 'range'],
    [{ range: '1h', from: '1' }, 'range'],
    [{ from: String(NOW), to: String(NOW - 1) }, 'from'],
    [{ resolution: 'hour' }, 'resolution'],
  ])('rejects %j, naming %s', (query, field) => {
    const parsed = parse(query);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});
