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
  try {
    return await withDeadline(read(backend), ms, backend.display);
  } catch (err) {
    if (err instanceof DeadlineError) throw new BackendUnavailableError(err.message);
    throw err;
  }
}
