/**
 * How long history keeps what: an age per outcome, and two limits that hold whatever the ages say
 * (a row count and a database size). Read from --retention-success, --retention-failure,
 * --retention-other, --max-history-tasks and --max-history-size (server/config.ts); 0 keeps forever
 * or sets no limit.
 */

export interface RetentionPolicy {
  /** Seconds a SUCCESS task is kept after it succeeded; 0: forever. */
  readonly success: number;
  /** Seconds a FAILURE, REVOKED or REJECTED task is kept after it ended; 0: forever. */
  readonly failure: number;
  /** Seconds a task that never finished (PENDING, RECEIVED, STARTED, RETRY, a custom state) is kept after its last change; 0: forever. */
  readonly other: number;
  /** Tasks history holds at most; 0: no limit. */
  readonly maxTasks: number;
  /** Bytes the history's pages may use at most; 0: no limit. */
  readonly maxBytes: number;
}

const DAY = 86_400;

export const DEFAULT_RETENTION: RetentionPolicy = {
  success: 7 * DAY,
  failure: 30 * DAY,
  // A task that never finished is as worth a look as a failure (a lost task, one stuck in RETRY, an ETA
  // far ahead), so it is kept as long. One held in memory in flight is never pruned, whatever its age.
  other: 30 * DAY,
  maxTasks: 10_000_000,
  maxBytes: 10 * 1024 ** 3,
};

/** The states each age applies to; every other state is `other`. */
export const SUCCESS_STATES: readonly string[] = ['SUCCESS'];
export const FAILURE_STATES: readonly string[] = ['FAILURE', 'REVOKED', 'REJECTED'];

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: DAY, w: 7 * DAY };
const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

export type Parsed = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

/** `90m`, `12h`, `7d`, `2w`, `30s` → seconds; `0` keeps forever. A bare number other than 0 is refused: minutes or days? */
export function parseDuration(text: string): Parsed {
  const trimmed = text.trim().toLowerCase();
  if (/^0+(\.0*)?$/.test(trimmed)) return { ok: true, value: 0 };
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(trimmed);
  const unit = match === null ? undefined : DURATION_UNITS[match[2] as string];
  if (match === null || unit === undefined) return { ok: false, error: `expected a duration such as 90m, 12h or 7d (0 keeps forever), not ${JSON.stringify(text)}` };
  return { ok: true, value: Number(match[1]) * unit };
}

/** `500MB`, `2GB`, `1.5GiB`, `4096` (bytes) → bytes, in powers of 1024; `0` sets no limit. */
export function parseSize(text: string): Parsed {
  const trimmed = text.trim().toLowerCase();
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(trimmed);
  const unit = match === null ? undefined : SIZE_UNITS[match[2] === '' ? 'b' : (match[2] as string)];
  if (match === null || unit === undefined) return { ok: false, error: `expected a size such as 500MB or 2GB (0: no limit), not ${JSON.stringify(text)}` };
  const value = Math.floor(Number(match[1]) * unit);
  // SQLite's smallest file is a few pages: a limit under a megabyte would prune everything forever.
  if (value !== 0 && value < 1024 ** 2) return { ok: false, error: `must be at least 1MB (0: no limit), not ${JSON.stringify(text)}` };
  return { ok: true, value };
}

/** The longest age anything is kept; null when something is kept forever. */
export function longestRetention(policy: RetentionPolicy): number | null {
  const ages = [policy.success, policy.failure, policy.other];
  return ages.includes(0) ? null : Math.max(...ages);
}
