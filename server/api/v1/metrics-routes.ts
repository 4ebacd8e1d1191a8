/** /api/v1 metrics series and percentiles. */
import type { Route } from '../../http/route-types';

export const V1_METRICS_ROUTES: readonly Route[] = [];
