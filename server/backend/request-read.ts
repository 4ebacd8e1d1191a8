/**
 * The result backend as a request reads it: never longer than a bound. Its commands wait for a lost
 * connection to come back (so that a worker's results are not lost), which would hold an HTTP request for
 * as long as Redis is away; here a request is answered at once when the connection is known to be down,
 * and within BACKEND_READ_TIMEOUT_MS otherwise (a stalled Redis still looks connected).
 */
import type { ResultBackend } from '@/lib/backend';
import { DeadlineError, withDeadline } from '@/lib/runtime/deadline';

/** A Redis GET takes well under a millisecond: two seconds is a backend in trouble (or an event loop), not a slow one. */
export const BACKEND_READ_TIMEOUT_MS = 2_000;

/** The stable code of the API's answer when the result backend cannot be read. */
export const BACKEND_UNAVAILABLE = 'backend_unavailable';

export class BackendUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the result backend is unavailable (${reason})`);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * `read(backend)`, or a BackendUnavailableError: at once when the backend's connection is down, or once
 * `ms` have passed. Other errors (a malformed stored value) pass through.
 */
export async function readBackend<T>(backend: ResultBackend, read: (backend: ResultBackend) => Promise<T>, ms = BACKEND_READ_TIMEOUT_MS): Promise<T> {
  const down = backend.unavailable();
  if (down !== null) throw new BackendUnavailableError(down);
  const stalled = stalls.get(backend);
  if (stalled !== undefined && Date.now() < stalled.until) throw new BackendUnavailableError(`${stalled.reason}, ${STALL_HOLD_MS / 1000} s ago at most`);
  try {
    const value = await withDeadline(read(backend), ms, backend.display);
    stalls.delete(backend);
    return value;
  } catch (err) {
    if (!(err instanceof DeadlineError)) throw err;
    stalls.set(backend, { until: Date.now() + STALL_HOLD_MS, reason: err.message });
    throw new BackendUnavailableError(err.message);
  }
}

/**
 * A backend that missed a deadline (stalled: a paused Redis still looks connected) is taken as down for a
 * few seconds, so that a bulk action over a thousand tasks fails at once instead of a thousand times slowly.
 */
const STALL_HOLD_MS = 5_000;
const stalls = new WeakMap<ResultBackend, { until: number; reason: string }>();
