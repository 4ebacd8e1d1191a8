/**
 * Celery's rate_limit and time_limit commands through Flower's endpoints, which change one worker per
 * call: pages that change several workers call these once per worker.
 */
import { type ControlResult, sendControl } from '../api/api-client';

const taskPath = (action: 'rate-limit' | 'timeout', task: string): string => `/api/task/${action}/${encodeURIComponent(task)}`;

/** `rate`: 200, 10/s, 10/m, 5/h; empty or 0 lifts the limit. */
export function sendRateLimit(task: string, worker: string, rate: string): Promise<ControlResult> {
  return sendControl(taskPath('rate-limit', task), { form: { workername: worker, ratelimit: rate.trim() } });
}

/** Seconds as typed; an empty field leaves that limit unset. */
export function sendTimeLimits(task: string, worker: string, soft: string, hard: string): Promise<ControlResult> {
  const seconds = (value: string): string | undefined => (value.trim() === '' ? undefined : value.trim());
  return sendControl(taskPath('timeout', task), { form: { workername: worker, soft: seconds(soft), hard: seconds(hard) } });
}
