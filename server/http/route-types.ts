/**
 * What a route is and what its handler sees. Handlers get the path parameters, the query and the parsed
 * body; they answer with a status and a body and never see the raw request, so authentication, read-only
 * mode and CSRF are decided once, before them (request-guard.ts), from the route's `access`.
 */
import type { Redactor } from '@/lib/redact/redactor';
import type { GapSettlement } from '../collector/gap-settlement';
import type { z } from 'zod';
import type { ResultBackend } from '@/lib/backend';
import type { ServerInfo } from '@/lib/push/contract';
import type { Client } from '@/worker/client';
import type { ApiResponse } from '../api/api-error';
import type { Collector } from '../collector/collector';
import type { ServerConfig } from '../config';
import type { InspectCache } from '../control/inspect-cache';
import type { WorkerControl } from '../control/worker-control';
import type { Metrics } from '../metrics';
import type { PrometheusMetrics } from '../prometheus/prometheus-metrics';
import type { QueueSampler } from '../queues/queue-sampler';
import type { TaskStore } from '../store/task-store';

export interface RouteContext {
  readonly info: ServerInfo;
  readonly config: ServerConfig;
  /** The cluster model's one door (events in, reads out). */
  readonly store: TaskStore;
  /** Null when Pollen runs without a broker. */
  readonly collector: Collector | null;
  /** The workers' inspect replies; null without a broker. */
  readonly inspect: InspectCache | null;
  /** Commands to workers over pidbox with Flower's outcomes; null without a broker. */
  readonly control: WorkerControl | null;
  /** Sends tasks over the collector's broker connection (apply, send-task, retry); null without a broker. */
  readonly client: Client | null;
  /** `--result-backend`; null when none is given (result and abort answer 503, as Flower). */
  readonly backend: ResultBackend | null;
  readonly metrics: Metrics;
  /** Queue lengths now (`queues.reader`) and over time (`queues.history`), sampled every 5 s; null without a broker. */
  readonly queues: QueueSampler | null;
  /** What /metrics keeps between scrapes (Flower's families, pollen_tasks_total), fed from the collector. */
  readonly prometheus: PrometheusMetrics;
  /** Settles tasks whose events fell into a gap in the event stream; null without a broker. */
  readonly settlement: GapSettlement | null;
  /** Masks secrets (--redact) in what is shown from outside the store: stored results, inspect replies. */
  readonly redactor: Redactor;
}

export interface RouteRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /**
   * The request's arguments, read as Tornado's get_argument reads them (query and form body alike), with
   * the top-level keys of a JSON object body on top: `{...query, ...form, ...json}`. Strings from the
   * query and form, JSON values from a JSON body; validate with zod's coercing schemas.
   */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The parsed JSON body (any JSON value), or undefined when the request had none. */
  readonly json: unknown;
  /** Who is asking: the basic-auth user name, `token:<n>` for the n-th API token, or null when auth is off. */
  readonly user: string | null;
  /** This client's CSRF token (its `pollen_csrf` cookie, set on the response when new). */
  readonly csrfToken: string;
}

/** A status and a body: text/plain when the body is a string, else JSON (a StreamedJsonObject is written in chunks); extra headers optional. */
export type RouteResponse = ApiResponse;

/**
 * Who may call a route:
 * - `public`: anyone, always (Flower's /healthcheck and /metrics have no auth);
 * - `read`: anyone who passes authentication when it is configured;
 * - `control`: changes the cluster. Needs authentication, or `--unauthenticated-api` when none is
 *   configured; refused with 403 in `--read-only`; a browser must send the CSRF token.
 */
export type RouteAccess = 'public' | 'read' | 'control';

/** What /api/v1/openapi.json says about a route; the schemas are the ones the handler validates with. */
export interface RouteDoc {
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /** Query (GET) or form/query arguments (POST). */
  readonly query?: z.ZodType;
  /** A JSON request body. */
  readonly body?: z.ZodType;
  /** Status code → what it means, e.g. `{200: 'the task', 404: 'unknown task'}`. */
  readonly responses?: Readonly<Record<number, string>>;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** `/api/task/info/:id`: a `:name` segment matches one path segment. */
  readonly path: string;
  readonly access: RouteAccess;
  /** Reads the whole model and may answer megabytes: served a few at a time (heavy-requests.ts). */
  readonly heavy?: boolean;
  readonly doc?: RouteDoc;
  readonly handle: (request: RouteRequest, context: RouteContext) => RouteResponse | Promise<RouteResponse>;
}
