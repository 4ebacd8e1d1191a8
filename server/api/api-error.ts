/** The one error body of Pollen's API: `{"error": message}`, as Flower answers, with a `code` where a client may act on it. */
import type { z } from 'zod';

export interface ApiResponse {
  readonly status: number;
  /** A string is sent as text/plain, anything else as JSON. */
  readonly body: unknown;
  /** Extra headers, e.g. Prometheus' content type. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** `code`: a stable name for errors a client may act on (e.g. `backend_unavailable`: retry later). */
export function apiError(status: number, message: string, code?: string): ApiResponse {
  return { status, body: code === undefined ? { error: message } : { error: message, code } };
}

/**
 * A task search that does not parse (Flower's `/api/tasks` and `/api/v1/tasks` alike): 400 with the
 * parser's message, `code: "invalid_search"` and `position`, the offset of the fault in the search text
 * as sent, so that a page can point at it.
 */
export function searchError(error: { readonly message: string; readonly position: number }): ApiResponse {
  return { status: 400, body: { error: `search: ${error.message} at position ${error.position}`, code: 'invalid_search', position: error.position } };
}

/** A 400 naming each bad parameter, from a zod error. */
export function badRequest(error: z.ZodError): ApiResponse {
  return apiError(400, error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`).join('; '));
}

/** Query parameters as a plain object (the last value of a repeated name wins, as in Tornado). */
export function queryObject(query: URLSearchParams): Record<string, string> {
  return Object.fromEntries(query.entries());
}
