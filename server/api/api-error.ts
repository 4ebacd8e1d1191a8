/** The one error body of Pollen's API: `{"error": message}`, as Flower answers. */
import type { z } from 'zod';

export interface ApiResponse {
  readonly status: number;
  /** A string is sent as text/plain, anything else as JSON. */
  readonly body: unknown;
  /** Extra headers, e.g. Prometheus' content type. */
  readonly headers?: Readonly<Record<string, string>>;
}

export function apiError(status: number, message: string): ApiResponse {
  return { status, body: { error: message } };
}

/** A 400 naming each bad parameter, from a zod error. */
export function badRequest(error: z.ZodError): ApiResponse {
  return apiError(400, error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`).join('; '));
}

/** Query parameters as a plain object (the last value of a repeated name wins, as in Tornado). */
export function queryObject(query: URLSearchParams): Record<string, string> {
  return Object.fromEntries(query.entries());
}
