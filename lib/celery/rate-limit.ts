/**
 * Task rate limits as Celery writes them: `"10/s"`, `"10/m"`, `"5/h"`, a bare number (per second), or
 * `""`/`"0"` for no limit (kombu's `rate()`; CELERY-WIRE.md §6.5 `rate_limit`).
 */
import { DecodeErrorCode, type Decoded, fail } from './decode-result';

/** Tasks per second; null = no limit. */
export type RateLimit = number | null;

const PER: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

export function parseRateLimit(text: string | number | null): Decoded<RateLimit> {
  if (text === null) return { ok: true, value: null };
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? { ok: true, value: text || null } : invalid(String(text));
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: null };
  const [count, unit = 's'] = trimmed.split('/', 2) as [string, string?];
  const divisor = PER[unit.trim().charAt(0) || 's'];
  const n = Number(count.trim());
  if (count.trim() === '' || !Number.isFinite(n) || n < 0 || divisor === undefined) return invalid(text);
  return { ok: true, value: n === 0 ? null : n / divisor };
}

function invalid(text: string): Decoded<RateLimit> {
  return fail(DecodeErrorCode.Invalid, `Invalid rate limit string: ${JSON.stringify(text)} (expected e.g. "10/s", "10/m", "5/h")`, '$');
}
