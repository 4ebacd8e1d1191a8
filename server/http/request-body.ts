/**
 * A request's body, read once and bounded: `application/x-www-form-urlencoded` (Flower's control
 * forms), `application/json` (apply/send-task, our v1 API), or nothing. Bad input is a 4xx naming what
 * is wrong, never a crash.
 */
import type { IncomingMessage } from 'node:http';
import type { ApiResponse } from '../api/api-error';
import { apiError } from '../api/api-error';

/** Control requests are small; a task's args can be large, but not this large. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ParsedBody {
  readonly form: Readonly<Record<string, string>>;
  /** undefined when the body was not JSON. */
  readonly json: unknown;
}

export type BodyResult = { readonly ok: true; readonly body: ParsedBody } | { readonly ok: false; readonly response: ApiResponse };

const EMPTY: ParsedBody = { form: {}, json: undefined };

async function readText(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  if (req.method === 'GET' || req.method === 'HEAD') return { ok: true, body: EMPTY };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return { ok: false, response: apiError(413, `request body over ${limit} bytes`) };
  const text = await readText(req, limit);
  if (text === null) return { ok: false, response: apiError(413, `request body over ${limit} bytes`) };
  if (text.trim() === '') return { ok: true, body: EMPTY };
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  // Flower's apply endpoints read the body as JSON whatever its content type, and `curl -d '{...}'` sends
  // the form type: a form body that is a JSON object is JSON.
  const looksJson = /^\s*[{[]/.test(text);
  if (type === 'application/x-www-form-urlencoded' && !looksJson) return { ok: true, body: { form: Object.fromEntries(new URLSearchParams(text).entries()), json: undefined } };
  try {
    return { ok: true, body: { form: {}, json: JSON.parse(text) as unknown } };
  } catch (err) {
    if (looksJson || type === 'application/json' || type === '' || type === 'text/plain') return { ok: false, response: apiError(400, `body: invalid JSON (${(err as Error).message})`) };
    return { ok: false, response: apiError(415, `unsupported content type '${type}': send application/json or application/x-www-form-urlencoded`) };
  }
}

/** `{...query, ...form, ...json object}`: what RouteRequest.fields holds. */
export function mergeFields(query: URLSearchParams, body: ParsedBody): Record<string, unknown> {
  // No prototype: a `__proto__` key in the input is a field like any other.
  const fields = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of query.entries()) fields[key] = value;
  for (const [key, value] of Object.entries(body.form)) fields[key] = value;
  if (body.json !== null && typeof body.json === 'object' && !Array.isArray(body.json)) {
    for (const [key, value] of Object.entries(body.json as Record<string, unknown>)) fields[key] = value;
  }
  return fields;
}
