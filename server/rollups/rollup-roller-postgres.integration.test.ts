/**
 * The charts' past on PostgreSQL (a real PostgreSQL 15): after a restart the 7d and 30d ranges and a
 * short range reaching before the start show what was before, from the rollups written per cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverviewResponse, ThroughputResponse } from '@/lib/api/metrics';
import { type PostgresServer, startPostgres } from '@/test/harness/postgres-server';
import { getOverview } from '../api/v1/metrics-overview';
import { getThroughput } from '../api/v1/metrics-read';
import { PostgresHistory } from '../history/postgres-history';
import { T0 } from '../metrics/metrics-test-events';
import { feed, runOn } from './rollup-test-runs';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const q = (params: Record<string, string>) => new URLSearchParams(params);

describe('metric rollups in PostgreSQL history', () => {
  let server: PostgresServer;
  let url = '';
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('rollups');
  });
  afterAll(async () => server?.destroy());

  it('answers 7d, 30d and a range before the start from history after a restart, each cluster its own', async () => {
    const run = (cluster: string, c: { now: number }) => runOn(() => PostgresHistory.open(url, cluster), c);
    const c = { now: T0 };
    const first = await run('redis://one:6379/0', c);
    feed(first.apply);
    const totals = first.metrics.totals('all', '', { from: T0, to: T0 + 3 * MIN, resolution: 'minute' });
    c.now = T0 + 3 * MIN;
    await first.stop();

    c.now = T0 + 8 * MIN;
    const soon = await run('redis://one:6379/0', c);
    expect(((await getOverview(soon.metrics, soon.store, null, q({ range: '1h' }), c.now)).body as OverviewResponse).totals).toEqual(totals);
    await soon.stop();

    c.now = T0 + 3 * DAY;
    const later = await run('redis://one:6379/0', c);
    const other = await run('redis://two:6379/0', c);
    try {
      for (const range of ['7d', '30d']) {
        const throughput = (await getThroughput(later.metrics, later.store, q({ range }), c.now)).body as ThroughputResponse;
        expect(throughput).toMatchObject({ resolution: 'hour', step: HOUR });
        expect(throughput.totals).toEqual(totals);
        // Another cluster in the same database sees none of it.
        const elsewhere = (await getThroughput(other.metrics, other.store, q({ range }), c.now)).body as ThroughputResponse;
        expect(elsewhere.totals.succeeded).toBe(0);
      }
    } finally {
      await later.stop();
      await other.stop();
    }
  });
});
