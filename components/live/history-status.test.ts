import { describe, expect, it } from 'vitest';
import type { HistoryStatus } from '@/lib/push/contract';
import { timeFormat } from '../format/format-time';
import { historyTrouble, NOT_LISTENING_TOLD_FOR_S, notListeningText, recentNotListening } from './history-status';

const utc = timeFormat('utc', { locale: 'en-GB' });
const NOW = 1_796_000_000;

function status(over: Partial<HistoryStatus>): HistoryStatus {
  return { where: '/var/lib/pollen/redis-6379.sqlite', state: 'writing', since: NOW - 60, error: null, pendingEvents: 0, droppedEvents: 0, notListening: [], ...over };
}

describe('historyTrouble', () => {
  it('says nothing while history keeps up, or without history', () => {
    expect(historyTrouble(null, utc.dateTime)).toBeNull();
    expect(historyTrouble(status({ pendingEvents: 12 }), utc.dateTime)).toBeNull();
  });

  it('names the file, the time and the error while writes fail, and that the live view goes on', () => {
    const text = historyTrouble(status({ state: 'failing', since: NOW, error: 'database or disk is full' }), utc.dateTime);
    expect(text).toBe(`History is not being written to /var/lib/pollen/redis-6379.sqlite since ${utc.dateTime(NOW)}: database or disk is full. The live view goes on; writing resumes by itself, and what arrives meanwhile is kept up to a bound.`);
    expect(text).toContain('UTC');
  });

  it('leaves out an error it was not told', () => {
    expect(historyTrouble(status({ state: 'failing', since: NOW }), utc.dateTime)).toContain(`since ${utc.dateTime(NOW)}. The live view`);
  });

  it('says how many events wait and how many were dropped while it lags', () => {
    const text = historyTrouble(status({ state: 'lagging', since: NOW, pendingEvents: 500_000, droppedEvents: 1 }), utc.dateTime);
    expect(text).toContain('History is behind');
    expect(text).toContain(`since ${utc.dateTime(NOW)}`);
    expect(text).toContain('500,000 events waiting');
    expect(text).toContain('1 event dropped');
  });
});

describe('recentNotListening', () => {
  const gaps = [{ from: NOW - 3600, to: NOW - 600 }, { from: NOW - 90_000, to: NOW - 89_000 }];

  it('tells the newest gap when it ended within the last day', () => {
    expect(recentNotListening(status({ notListening: gaps }), NOW)).toEqual(gaps[0]);
    expect(recentNotListening(status({ notListening: [{ from: 1, to: NOW - NOT_LISTENING_TOLD_FOR_S }] }), NOW)).toEqual({ from: 1, to: NOW - NOT_LISTENING_TOLD_FOR_S });
  });

  it('says nothing of a gap older than a day, nor without one', () => {
    expect(recentNotListening(status({ notListening: [{ from: 1, to: NOW - NOT_LISTENING_TOLD_FOR_S - 1 }] }), NOW)).toBeNull();
    expect(recentNotListening(status({}), NOW)).toBeNull();
    expect(recentNotListening(null, NOW)).toBeNull();
  });

  it('writes both ends in the chosen zone', () => {
    expect(notListeningText(gaps[0]!, utc.dateTime)).toBe(`Pollen was not listening from ${utc.dateTime(NOW - 3600)} to ${utc.dateTime(NOW - 600)}. Tasks that ran then may be missing here, or were settled from the result backend without their events.`);
  });
});
