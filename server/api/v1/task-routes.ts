/** /api/v1 task queries, workflow graphs, retry and bulk actions. */
import type { Route } from '../../http/route-types';

export const V1_TASK_ROUTES: readonly Route[] = [];
