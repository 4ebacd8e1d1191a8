/**
 * Retention over real SQLite files: the shared suite (history-retention.contract.ts: ages per outcome,
 * the row maximum, runs and workers, counts, held tasks), then what is SQLite's own: the size maximum,
 * batches that let a write in between, the start and stop. The clock is the test's.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { compilingDb, type Compiled } from './history-sql';
import { HistoryRetention } from './history-retention';
import { countsAgree, DAY, describeRetention, NOW, retention, rows, type Spec, uuids, writeTasks } from './history-retention.contract';
import { DEFAULT_RETENTION } from './retention-policy';
import { SqliteHistory } from './sqlite-history';
import { emptyBatch } from './write-batch';

const dir = mkdtempSync(join(tmpdir(), 'pollen-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const open: SqliteHistory[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

const silent = { warn: () => undefined, info: () => undefined };

async function history(): Promise<{ history: SqliteHistory; file: string }> {
  const file = join(dir, `history-${++files}.db`);
  const opened = await SqliteHistory.open(file);
  open.push(opened);
  return { history: opened, file };
}

describeRetention('SQLite', async () => (await history()).history);

describe('history retention on SQLite', () => {
  it('holds the size maximum: the pages in use come back under it, and the file stops growing', async () => {
    const { history: target, file } = await history();
    const batch = (n: number): Spec[] => Array.from({ length: n }, (_, i) => ({ state: i % 10 === 0 ? 'FAILURE' : 'SUCCESS', at: NOW - 60 + i * 0.001, bytes: 800 }));
    await writeTasks(target, batch(6000));
    const before = await target.usedBytes();
    const maxBytes = 2 * 1024 ** 2;
    expect(before).toBeGreaterThan(2.5 * maxBytes);
    const pruner = retention(target, { maxBytes }, { now: NOW });
    await pruner.pass();
    const after = await target.usedBytes();
    expect(after).toBeLessThanOrEqual(maxBytes);
    expect(pruner.status().usedBytes).toBe(after);
    const left = (await rows(target, 'SELECT count(*) AS n FROM tasks'))[0]?.['n'] as number;
    expect(left).toBeGreaterThan(500);
    expect(pruner.status().maxSize).toBe(6000 - left);
    // The newest are what is kept.
    const [newest] = await rows(target, 'SELECT max(seq) - min(seq) + 1 AS span FROM tasks');
    expect(newest?.['span']).toBe(left);
    await countsAgree(target);

    // Free pages are reused: writing and pruning on, the file stays at its high-water mark.
    const highWater = statSync(file).size;
    for (let round = 0; round < 3; round++) {
      await writeTasks(target, batch(2000));
      await pruner.pass();
      expect(await target.usedBytes()).toBeLessThanOrEqual(maxBytes);
    }
    expect(statSync(file).size).toBeLessThanOrEqual(highWater * 1.1);
    console.log(`size maximum ${maxBytes} B: ${before} B in use before, ${after} B after, ${left} tasks kept; file ${highWater} B, ${statSync(file).size} B after 3 more rounds`);
  }, 60_000);

  it('deletes in batches of at most 2000 and lets a write in between them', async () => {
    const { history: target } = await history();
    await writeTasks(target, Array.from({ length: 10_000 }, (_, i) => ({ state: 'SUCCESS', at: NOW - 10 * DAY + i })));
    const changes: number[] = [];
    let write: Promise<number> | null = null;
    // The history as the pruner sees it, noting each statement it runs on the writer.
    const observed = {
      dialect: target.dialect,
      where: target.where,
      cluster: target.cluster,
      all: target.all.bind(target),
      usedBytes: target.usedBytes.bind(target),
      run: async (query: Compiled) => {
        const changed = await target.run(query);
        if (query.sql.startsWith('delete from "tasks"')) changes.push(changed);
        // A flush of the write-behind arriving while the pass goes on.
        write ??= target.write({ ...emptyBatch(), tasks: [], workers: [['celery@new', NOW, '{}']], run: null }).then(() => changes.length);
        return changed;
      },
    };
    const pruner = new HistoryRetention(observed, { policy: { ...DEFAULT_RETENTION, maxTasks: 0, maxBytes: 0 }, now: () => NOW, held: () => false, log: silent });
    await pruner.pass();
    expect(changes.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(changes.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...changes)).toBeLessThanOrEqual(2000);
    // The write was done before the second delete, not after the whole pass.
    expect(await write).toBeLessThanOrEqual(2);
    expect(await uuids(target)).toEqual(new Set());
  }, 60_000);

  it('runs a pass soon after start and stops cleanly, reading deletes through Kysely for either dialect', async () => {
    const { history: target } = await history();
    await writeTasks(target, [{ uuid: 'old', state: 'SUCCESS', at: NOW - 8 * DAY }]);
    const pruner = retention(target, {}, { now: NOW }, { firstDelayMs: 0 });
    pruner.start();
    await expect.poll(() => pruner.status().lastPassAt, { interval: 5, timeout: 5000 }).toBe(NOW);
    await pruner.stop();
    expect(await uuids(target)).toEqual(new Set());
    // Deletes do not make FTS5 merge the text index's segments in their way (see prune()).
    expect(await rows(target, "SELECT v FROM task_text_config WHERE k = 'deletemerge'")).toEqual([{ v: 0 }]);
    // The same deletes compile for PostgreSQL, scoped to the cluster.
    const pg = compilingDb('postgres').deleteFrom('tasks').where('seq', 'in', [1, 2]).where('cluster', '=', 'c').compile();
    expect(pg.sql).toBe('delete from "tasks" where "seq" in ($1, $2) and "cluster" = $3');
  });
});
