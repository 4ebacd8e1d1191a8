/**
 * The long ranges on a real server (memory broker, no Next): with history (SQLite, the default) the
 * overview offers and answers 7d and 30d, also after a restart on the same file; with --db memory it
 * offers the three memory keeps and refuses the others with a 400 naming why.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { OverviewResponse } from '@/lib/api/metrics';
import { testDataDir } from '@/test/harness/data-dir';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';

const started: TestPollen[] = [];
afterAll(async () => {
  for (const pollen of started) await pollen.close();
});

async function pollen(input: Parameters<typeof startPollen>[0]): Promise<TestPollen> {
  const server = await startPollen(input);
  started.push(server);
  return server;
}

describe('7d and 30d ranges on the server', () => {
  it('offers and answers them with history, and again after a restart on the same file', async () => {
    const dataDir = testDataDir();
    for (let run = 0; run < 2; run++) {
      const server = await pollen({ broker: 'memory://', dataDir });
      for (const range of ['7d', '30d']) {
        const overview = await server.request(`/api/v1/metrics/overview?range=${range}`);
        expect(overview.status).toBe(200);
        expect(overview.body).toMatchObject({ resolution: 'hour', step: 3_600_000, ranges: ['15m', '1h', '24h', '7d', '30d'] });
        expect((await server.request(`/api/v1/metrics/throughput?range=${range}&dimension=task&key=app.add`)).status).toBe(200);
        expect((await server.request(`/api/v1/metrics/latency/by-task?range=${range}`)).body).toMatchObject({ tasks: [] });
      }
      await server.close();
      started.pop();
    }
  });

  it('does not offer them under --db memory, and answers 400 naming the reason', async () => {
    const server = await pollen({ broker: 'memory://', db: 'memory' });
    expect(((await server.request('/api/v1/metrics/overview?range=1h')).body as OverviewResponse).ranges).toEqual(['15m', '1h', '24h']);
    const refused = await server.request('/api/v1/metrics/overview?range=30d');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'history_required' });
    expect((refused.body as { error: string }).error).toContain('--db memory');
  });
});
