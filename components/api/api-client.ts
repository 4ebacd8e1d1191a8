/**
 * The dashboard's HTTP calls. Reads go through TanStack Query (`fetchJson` as the query function);
 * controls through `sendControl`, which adds the CSRF header the server asks of browsers and turns every
 * outcome into a ControlResult the page shows as it is.
 */
import { CSRF_HEADER, type Session } from '@/lib/api/session';
import { apiPath, encodeParams, type QueryParams } from './api-path';

/**
 * A non-2xx answer: the server's own message (`{"error": ...}`, Flower's `{"message": ...}` or text), with
 * its stable `code` and, for a search that does not parse (`invalid_search`), the `position` of the fault.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly position: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ErrorBody {
  readonly message: string;
  readonly code: string | null;
  readonly position: number | null;
}

async function errorBody(response: Response): Promise<ErrorBody> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object') {
      const record = body as Record<string, unknown>;
      const message = record['error'] ?? record['message'];
      const code = typeof record['code'] === 'string' ? record['code'] : null;
      const position = typeof record['position'] === 'number' ? record['position'] : null;
      if (typeof message === 'string') return { message, code, position };
    }
    if (typeof body === 'string') return { message: body, code: null, position: null };
  } catch {
    // Flower's refusals are plain text, shown as they are.
  }
  return { message: text.trim() === '' ? `${response.status} ${response.statusText}` : text.trim(), code: null, position: null };
}

async function errorMessage(response: Response): Promise<string> {
  return (await errorBody(response)).message;
}

export async function fetchJson<T>(path: string, params: QueryParams = {}, signal?: AbortSignal): Promise<T> {
  const response = await fetch(apiPath(path, params), { headers: { accept: 'application/json' }, credentials: 'same-origin', ...(signal && { signal }) });
  if (!response.ok) {
    const { message, code, position } = await errorBody(response);
    throw new ApiError(response.status, message, code, position);
  }
  return (await response.json()) as T;
}

/** What a control did, as the page shows it: the server's message, or its error with the status. */
export type ControlResult<T = unknown> =
  | { readonly ok: true; readonly message: string; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly message: string };

export interface ControlRequest {
  readonly method?: 'POST' | 'DELETE';
  /** Flower's control endpoints take form fields. */
  readonly form?: QueryParams;
  /** Pollen's /api/v1 actions take JSON. */
  readonly json?: unknown;
}

let session: Promise<Session> | null = null;

/** The session (for its CSRF token); fetched once per page load, again after a failure. */
export function loadSession(): Promise<Session> {
  session ??= fetchJson<Session>('/api/v1/session').catch((err: unknown) => {
    session = null;
    throw err;
  });
  return session;
}

export async function sendControl<T = unknown>(path: string, request: ControlRequest = {}): Promise<ControlResult<T>> {
  try {
    const session = await loadSession();
    // The page's first requests go out in parallel and each may set a fresh cookie: the server compares
    // the header with the cookie the browser kept, so send that one (double submit).
    const cookie = /(?:^|;\s*)pollen_csrf=([^;]*)/.exec(document.cookie)?.[1];
    const csrfToken = cookie !== undefined ? decodeURIComponent(cookie) : session.csrfToken;
    const headers: Record<string, string> = { accept: 'application/json', [CSRF_HEADER]: csrfToken };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = encodeParams(request.form);
    }
    const response = await fetch(apiPath(path), { method: request.method ?? 'POST', headers, credentials: 'same-origin', ...(body !== undefined && { body }) });
    if (!response.ok) return { ok: false, status: response.status, message: await errorMessage(response) };
    const json = (await response.json()) as T;
    const message = json && typeof json === 'object' && typeof (json as Record<string, unknown>)['message'] === 'string' ? String((json as Record<string, unknown>)['message']) : 'Done';
    return { ok: true, message, body: json };
  } catch (err) {
    return { ok: false, status: 0, message: err instanceof Error ? err.message : String(err) };
  }
}
