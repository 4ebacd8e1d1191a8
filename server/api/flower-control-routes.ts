/** Flower's control endpoints (workers, revoke, rate-limit, timeout, abort). */
import type { Route } from '../http/route-types';

export const FLOWER_CONTROL_ROUTES: readonly Route[] = [];
