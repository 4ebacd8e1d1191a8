/**
 * The time window every /api/v1/metrics endpoint takes: `range` (15m, 1h, 24h, or with history 7d and
 * 30d back from now), or
 * `from` and/or `to` (epoch milliseconds, or an ISO 8601 time), and `resolution` (second or minute;
 * by default second when the window lies in the last 15 minutes, else minute). Without any of them the
 * window is the last 15 minutes. The metrics keep 15 minutes of seconds and 24 hours of minutes; a
 * window reaching further back is clamped to what is kept, unless history keeps it (server/rollups): then
 * the part before this start or past 24 h is read from its rollups, per minute, or per hour past 24 h.
 */
import { z } from 'zod';
import type { TimeWindow } from '../../metrics';
import type { TaskStore } from '../../store/task-store';
import { apiError, type ApiResponse } from '../api-error';

export const RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type RangeName = keyof typeof RANGES;
const DEFAULT_RANGE_MS = RANGES['15m'];

const TIME_MESSAGE = 'expected epoch milliseconds or an ISO 8601 time';

/** Epoch ms as digits, or an ISO 8601 date-time (Date.parse alone would also take "March 7"). */
const time = z.string().transform((text, ctx) => {
  const value = /^\d{1,16}(\.\d+)?$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(value)) {
    ctx.addIssue({ code: 'custom', message: TIME_MESSAGE });
    return z.NEVER;
  }
  return value;
});

export const windowFields = {
  from: time.optional().describe('start: epoch ms or ISO 8601 (default: `to` − 15 min)'),
  to: time.optional().describe('end: epoch ms or ISO 8601 (default: now)'),
  range: z
    .enum(Object.keys(RANGES) as [RangeName, ...RangeName[]], { message: `expected one of ${Object.keys(RANGES).join(', ')}` })
    .optional()
    .describe('instead of from/to: this much back from now'),
  resolution: z.enum(['second', 'minute'], { message: 'expected second or minute' }).optional().describe('bucket length (default: second within the last 15 min, else minute)'),
};

export interface WindowParams {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly range?: RangeName | undefined;
  readonly resolution?: 'second' | 'minute' | undefined;
}

/** Object-level rules: range excludes from/to, and from must not be after to. */
export function checkWindow(params: WindowParams, ctx: z.RefinementCtx): void {
  if (params.range !== undefined && (params.from !== undefined || params.to !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['range'], message: 'give either range or from/to, not both' });
  }
  if (params.from !== undefined && params.to !== undefined && params.from > params.to) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
  }
}

/** The window the parameters mean at `nowMs`. */
export function resolveWindow(params: WindowParams, nowMs: number): TimeWindow {
  const to = params.range !== undefined ? nowMs : (params.to ?? nowMs);
  const from = params.range !== undefined ? nowMs - RANGES[params.range] : (params.from ?? to - DEFAULT_RANGE_MS);
  // 900 one-second buckets are kept: a window starting 15 minutes back still gets seconds (its first
  // second is clamped away) instead of falling to minutes.
  const resolution = params.resolution ?? (from >= nowMs - DEFAULT_RANGE_MS ? 'second' : 'minute');
  return { from, to, resolution };
}

export const windowQuery = z.object(windowFields).superRefine(checkWindow);

/** The ranges only history keeps; without it (--db memory) they are refused rather than answered empty. */
const HISTORY_RANGES: ReadonlySet<RangeName> = new Set(['7d', '30d']);

export function rangeNeedsHistory(params: WindowParams, store: TaskStore): ApiResponse | null {
  if (params.range === undefined || !HISTORY_RANGES.has(params.range) || store.metricHistory !== null) return null;
  return apiError(400, `range ${params.range} needs history, and this Pollen keeps none (--db memory): memory keeps 24 hours of metrics`, 'history_required');
}
