/**
 * Pollen's HTTP endpoints as one table (method, path pattern, access, handler), put together from each
 * API face's own table. Everything not listed here goes to Next (the dashboard pages).
 */
import { FLOWER_APPLY_ROUTES } from '../api/flower-apply-routes';
import { FLOWER_CONTROL_ROUTES } from '../api/flower-control-routes';
import { FLOWER_READ_ROUTES } from '../api/flower-read-routes';
import { SERVER_ROUTES } from '../api/server-routes';
import { V1_METRICS_ROUTES } from '../api/v1/metrics-routes';
import { V1_QUEUE_ROUTES } from '../api/v1/queue-routes';
import { V1_TASK_ROUTES } from '../api/v1/task-routes';
import { PROMETHEUS_ROUTES } from '../prometheus/prometheus-routes';
import { VERSION } from '@/lib/runtime/version';
import { openApiDocument } from '../api/openapi-document';
import type { Route } from './route-types';

export type { Route, RouteAccess, RouteContext, RouteDoc, RouteRequest, RouteResponse } from './route-types';

const OPENAPI_ROUTE: Route = {
  method: 'GET',
  path: '/api/v1/openapi.json',
  access: 'read',
  doc: { summary: 'This document: every endpoint with its parameters, body and responses (OpenAPI 3.1)', tags: ['server'] },
  handle: (_, { config }) => ({ status: 200, body: openApiDocument(ROUTES, VERSION, config.urlPrefix) }),
};

export const ROUTES: readonly Route[] = [
  OPENAPI_ROUTE,
  ...FLOWER_READ_ROUTES,
  ...FLOWER_CONTROL_ROUTES,
  ...FLOWER_APPLY_ROUTES,
  ...PROMETHEUS_ROUTES,
  ...SERVER_ROUTES,
  ...V1_TASK_ROUTES,
  ...V1_METRICS_ROUTES,
  ...V1_QUEUE_ROUTES,
];

interface Compiled {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

function compile(routes: readonly Route[]): Compiled[] {
  return routes.map((route) => {
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
}

const COMPILED = compile(ROUTES);

export type RouteMatch =
  | { readonly route: Route; readonly params: Record<string, string> }
  | { readonly status: 400 | 404 }
  /** `allow`: the methods the path takes, for the 405's Allow header. */
  | { readonly status: 405; readonly allow: readonly string[] }
  | null;

/** HEAD is GET without the body (RFC 9110 §9.3.2): load balancers probe /healthcheck with it. */
function answers(route: Route, method: string): boolean {
  return route.method === method || (method === 'HEAD' && route.method === 'GET');
}

/** The route for a request; null when the path belongs to the dashboard; 404/405 for API paths that do not match. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const allow = new Set<string>();
  for (const { route, pattern, names } of COMPILED) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    allow.add(route.method);
    if (route.method === 'GET') allow.add('HEAD');
    if (!answers(route, method)) continue;
    const params: Record<string, string> = {};
    try {
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1] as string);
      });
    } catch {
      return { status: 400 };
    }
    return { route, params };
  }
  if (allow.size > 0) return { status: 405, allow: [...allow] };
  return pathname.startsWith('/api/') || pathname === '/metrics' ? { status: 404 } : null;
}
