/** /api/v1 queue lengths now and over time. */
import type { Route } from '../../http/route-types';

export const V1_QUEUE_ROUTES: readonly Route[] = [];
