/** GET /metrics for Prometheus: Flower's metric families with Flower's names, then Pollen's own. */
import type { Route } from '../http/route-types';
import { PROMETHEUS_CONTENT_TYPE } from './exposition';
import { scrape } from './scrape';

export const PROMETHEUS_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/metrics',
    // No auth, as Flower's: scrapers rarely carry credentials.
    access: 'public',
    doc: {
      summary: 'Prometheus text exposition (0.0.4): Flower\'s flower_* families, then pollen_*, process_* and nodejs_*',
      tags: ['flower', 'prometheus'],
      responses: { 200: 'the metrics, text/plain; version=0.0.4' },
    },
    handle: (_, { store, metrics, collector, prometheus }) => {
      const now = Date.now();
      const body = scrape({ store, metrics, prometheus, ingest: collector ? collector.health.snapshot(now) : null }, now);
      return { status: 200, body, headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } };
    },
  },
];
