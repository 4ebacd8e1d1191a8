/**
 * Pollen's own HTTP endpoints, as one table: method, path, handler. Everything not listed here goes to
 * Next (the dashboard pages). Handlers get the parsed URL and answer with a status and a body.
 */
import type { IncomingMessage } from 'node:http';
import type { ServerInfo } from '@/lib/push/contract';

export interface RouteContext {
  readonly info: ServerInfo;
}

export interface RouteResponse {
  readonly status: number;
  readonly body: unknown;
  /** text/plain when the body is a string, else JSON. */
  readonly contentType?: string;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly handle: (request: IncomingMessage, context: RouteContext) => RouteResponse;
}

export const ROUTES: readonly Route[] = [
  // Flower's liveness probe: plain "OK" (load balancers and k8s probes compare the text).
  { method: 'GET', path: '/healthcheck', handle: () => ({ status: 200, body: 'OK' }) },
  { method: 'GET', path: '/api/v1/server', handle: (_, { info }) => ({ status: 200, body: info }) },
];

export type RouteMatch = { readonly route: Route } | { readonly status: 404 | 405 } | null;

/** The route for a request; null when the path belongs to the dashboard; 404/405 for API paths that do not match. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const forPath = ROUTES.filter((route) => route.path === pathname);
  if (forPath.length === 0) return pathname.startsWith('/api/') ? { status: 404 } : null;
  const route = forPath.find((r) => r.method === method);
  return route ? { route } : { status: 405 };
}
