import { describe, expect, it } from 'vitest';
import type { WorkersResponse } from '@/lib/api/workers';
import { limitsByTask, limitsThatHold, summarizeAcross } from './registered-limits';

const workers = (entries: Record<string, { alive: boolean; registered: string[] }>) => entries as unknown as WorkersResponse;

describe('limits of a task type across workers', () => {
  it('are those of the online workers: an offline one never heard the rate limit sent since it left', () => {
    const byTask = limitsByTask(workers({
      'a@h': { alive: true, registered: ['tasks.add [rate_limit=3/s]'] },
      'gone@h': { alive: false, registered: ['tasks.add'] },
    }));
    expect(summarizeAcross(limitsThatHold(byTask.get('tasks.add')!).map((w) => w.rateLimit))).toBe('3/s');
  });

  it('are the last known of every worker when none is online', () => {
    const byTask = limitsByTask(workers({
      'a@h': { alive: false, registered: ['tasks.add [rate_limit=3/s]'] },
      'b@h': { alive: false, registered: ['tasks.add'] },
    }));
    expect(summarizeAcross(limitsThatHold(byTask.get('tasks.add')!).map((w) => w.rateLimit))).toBe('3/s on 1 · none on 1');
  });
});
