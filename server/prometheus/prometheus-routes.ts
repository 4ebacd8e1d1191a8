/** GET /metrics for Prometheus. */
import type { Route } from '../http/route-types';

export const PROMETHEUS_ROUTES: readonly Route[] = [];
