/**
 * Pollen's HTTP endpoints, as one table: method, path pattern, handler. Everything not listed here goes
 * to Next (the dashboard pages). Handlers get the path parameters and query, answer with a status and a
 * body, and never see the raw request.
 */
import type { ServerInfo } from '@/lib/push/contract';
import type { ApiResponse } from '../api/api-error';
import { getTaskInfo, getTasks, getTaskTypes, getWorkers } from '../api/flower-read';
import { getQueueLengths } from '../api/flower-queues';
import type { Collector } from '../collector/collector';
import type { InspectCache } from '../control/inspect-cache';
import type { ClusterState } from '../state/cluster-state';

export interface RouteContext {
  readonly info: ServerInfo;
  readonly state: ClusterState;
  /** Null when Pollen runs without a broker. */
  readonly collector: Collector | null;
  /** The workers' inspect replies; null without a broker. */
  readonly inspect: InspectCache | null;
}

export interface RouteRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/** A status and a body: text/plain when the body is a string, else JSON. */
export type RouteResponse = ApiResponse;

export interface Route {
  readonly method: 'GET' | 'POST';
  /** `/api/task/info/:id`: a `:name` segment matches one path segment. */
  readonly path: string;
  readonly handle: (request: RouteRequest, context: RouteContext) => RouteResponse | Promise<RouteResponse>;
}

export const ROUTES: readonly Route[] = [
  // Flower's liveness probe: plain "OK" (load balancers and k8s probes compare the text).
  { method: 'GET', path: '/healthcheck', handle: () => ({ status: 200, body: 'OK' }) },
  // Flower's read API.
  { method: 'GET', path: '/api/workers', handle: ({ query }, { state, inspect }) => getWorkers(state, inspect, query, Date.now()) },
  { method: 'GET', path: '/api/tasks', handle: ({ query }, { state }) => getTasks(state, query) },
  { method: 'GET', path: '/api/task/info/:id', handle: ({ params }, { state }) => getTaskInfo(state, params['id'] ?? '') },
  { method: 'GET', path: '/api/task/types', handle: (_, { state }) => getTaskTypes(state) },
  { method: 'GET', path: '/api/queues/length', handle: (_, { collector, inspect, state }) => getQueueLengths(collector?.transport ?? null, inspect, state.onlineWorkers(Date.now() / 1000)) },
  // Pollen's own.
  { method: 'GET', path: '/api/v1/server', handle: (_, { info }) => ({ status: 200, body: info }) },
  {
    method: 'GET',
    path: '/api/v1/health',
    handle: (_, { collector, state }) => ({
      status: 200,
      body: {
        broker: collector ? collector.transport.state() : null,
        ingest: collector ? collector.health.snapshot(Date.now()) : null,
        tasks: state.tasks.size,
        evicted: state.evicted,
        workers: state.workers.size,
      },
    }),
  },
];

interface Compiled {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

const COMPILED: readonly Compiled[] = ROUTES.map((route) => {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
});

export type RouteMatch = { readonly route: Route; readonly params: Record<string, string> } | { readonly status: 404 | 405 } | null;

/** The route for a request; null when the path belongs to the dashboard; 404/405 for API paths that do not match. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  let pathMatched = false;
  for (const { route, pattern, names } of COMPILED) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] as string);
    });
    return { route, params };
  }
  if (pathMatched) return { status: 405 };
  return pathname.startsWith('/api/') ? { status: 404 } : null;
}
