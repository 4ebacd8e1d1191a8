/**
 * The parameters of Flower's control and task endpoints, as zod schemas over RouteRequest.fields: strings
 * from the query or a form (Tornado's get_argument), JSON values from a JSON body. A missing required one
 * is "required"; a malformed one names what was expected. The OpenAPI document is made from these.
 */
import { constants } from 'node:os';
import { z } from 'zod';
import { parseRateLimit } from '@/lib/celery';

const missing = (what: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'required' : what);

/** A finite number, from a JSON number or its text (`"2"`, `"0.5"`, `"1e3"`), as Python's float() reads it. */
export const numberParam = z
  .union([z.number(), z.string()], { error: missing('expected a number') })
  .transform((value, ctx) => {
    const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
    if (Number.isFinite(n)) return n;
    ctx.addIssue({ code: 'custom', message: `expected a number, got ${JSON.stringify(value)}` });
    return z.NEVER;
  });

export const wholeNumberParam = (min: number) => numberParam.pipe(z.number().int('expected a whole number').min(min, `must be at least ${min}`));

/** Seconds, for time limits and waits. */
export const secondsParam = numberParam.pipe(z.number().min(0, 'must not be negative'));

export const textParam = z.string({ error: missing('expected text') }).trim().min(1, 'must not be empty');

/** Linux numbers its signals 1..64 (SIGRTMAX). */
const MAX_SIGNAL = 64;

/**
 * A signal as Celery's `signals.signum` takes it on the worker: a number, or an upper-case name with or
 * without `SIG`. Names are checked against this platform's list and sent in full (`KILL` → `SIGKILL`);
 * digits are sent as a number, since the worker refuses a numeric string.
 */
export const signalParam = z.union([z.string(), z.number()], { error: 'expected a signal name or number' }).transform((value, ctx): string | number => {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= MAX_SIGNAL) return n;
  } else {
    const upper = text.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    if (Object.hasOwn(constants.signals, name)) return name;
  }
  ctx.addIssue({ code: 'custom', message: `unknown signal ${JSON.stringify(value)} (expected a name such as SIGTERM or SIGKILL, or a number from 1 to ${MAX_SIGNAL})` });
  return z.NEVER;
});

/**
 * A rate limit the worker will take: lib/celery's parser, and the unit exactly `s`, `m` or `h`, since
 * Celery's `rate()` looks the text after `/` up as it is (`10/min` makes the worker fail with KeyError).
 * `""` or `0` lifts the limit.
 */
export const rateLimitParam = z.union([z.string(), z.number()], { error: missing('expected a rate such as 10/s, 10/m or 5/h') }).transform((value, ctx) => {
  const text = String(value).trim();
  const unit = text.includes('/') ? text.slice(text.indexOf('/') + 1) : 's';
  const parsed = parseRateLimit(text);
  if (parsed.ok && ['s', 'm', 'h'].includes(unit)) return text;
  ctx.addIssue({ code: 'custom', message: `invalid rate limit ${JSON.stringify(value)} (expected e.g. 200, 10/s, 10/m, 5/h, or "" for none)` });
  return z.NEVER;
});
