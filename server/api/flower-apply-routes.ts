/** Flower's apply, async-apply, send-task and result endpoints. */
import type { Route } from '../http/route-types';

export const FLOWER_APPLY_ROUTES: readonly Route[] = [];
