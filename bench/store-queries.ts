/**
 * The `store` benchmark's reads, as a user meets them: HTTP requests to a Pollen server whose history
 * holds the fill (store-fill.ts), one at a time over one keep-alive connection, p50 / p95 of `runs` runs
 * each, beside the issue's targets: a first page for each filter under each sort and order 50 ms, the
 * next pages by cursor 50 ms, Flower's /api/tasks first page 100 ms (issue 17's), search 500 ms, a task
 * with its timeline 10 ms. Printed, never asserted.
 *
 * For a request that misses, `explainPage` shows how the history runs it: the page's statements as the
 * server compiles them (history-page.ts), each with its plan (SQLite's EXPLAIN QUERY PLAN through the
 * reader thread, PostgreSQL's EXPLAIN).
 */
import { Agent, request } from 'node:http';
import type { TaskQuery } from '@/lib/query/task-query';
import { listQuery } from '@/server/api/v1/task-query';
import { compileFilter, queryFields } from '@/server/api/v1/task-filter';
import type { HistoryBackend } from '@/server/history/history-backend';
import { historyPage } from '@/server/history/history-page';
import { type Compiled, compilingDb } from '@/server/history/history-sql';
import { queueName, RARE_WORD, taskName, workerName } from './event-stream';
import { FILL_DAYS } from './store-fill';

export interface Timed {
  readonly label: string;
  readonly path: string;
  readonly p50: number;
  readonly p95: number;
  readonly target: number;
  readonly errors: string;
}

export interface QueryPlanInput {
  readonly base: string;
  readonly runs: number;
  /** When the fill ended (Unix seconds): the received range is a day FILL_DAYS / 3 before it. */
  readonly endAt: number;
  /** Tasks of the fill's first half, which memory does not hold. */
  readonly oldIds: readonly string[];
  readonly cursorPages: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

export async function timeQueries(input: QueryPlanInput): Promise<Timed[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string): Promise<{ ms: number; status: number; body: string }> => {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      request(`${input.base}${path}`, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      })
        .on('error', reject)
        .end();
    });
  };
  const results: Timed[] = [];
  const record = (label: string, path: string, times: number[], target: number, errors: string[]): void => {
    const sorted = [...times].sort((a, b) => a - b);
    const row = { label, path, p50: percentile(sorted, 50), p95: percentile(sorted, 95), target, errors: [...new Set(errors)].join('; ') };
    results.push(row);
    console.log(`${label.padEnd(72)} p50 ${row.p50.toFixed(1).padStart(8)} ms  p95 ${row.p95.toFixed(1).padStart(8)} ms  target ${String(target).padStart(3)} ms  ${row.p95 <= target ? 'meets' : 'MISSES'}${row.errors ? `  (${row.errors})` : ''}`);
  };
  const time = async (label: string, path: string | (() => string), target: number): Promise<void> => {
    const times: number[] = [];
    const errors: string[] = [];
    let last = '';
    for (let i = 0; i < input.runs; i++) {
      last = typeof path === 'string' ? path : path();
      const r = await get(last);
      times.push(r.ms);
      if (r.status !== 200) errors.push(`${r.status} ${r.body.slice(0, 120)}`);
    }
    record(label, last, times, target, errors);
  };

  const day = input.endAt - (FILL_DAYS / 3) * 86_400;
  const filters: [string, string][] = [
    ['no filter', ''],
    ['state=FAILURE', '&state=FAILURE'],
    ['name', `&name=${taskName(17)}`],
    ['worker', `&worker=${encodeURIComponent(workerName(7))}`],
    ['queue', `&queue=${queueName(3)}`],
    [`received range (a day, ${FILL_DAYS / 3} days back)`, `&received_after=${day.toFixed(3)}&received_before=${(day + 86_400).toFixed(3)}`],
    ['lost=true', '&lost=true'],
  ];
  const first = await get('/api/v1/tasks?limit=50');
  console.log(`\nthe first request after start, /api/v1/tasks?limit=50 (cold; not timed against a target): ${first.ms.toFixed(1)} ms, status ${first.status}`);
  console.log('\nfirst page, GET /api/v1/tasks?limit=50, each filter under each sort and order');
  for (const [name, filter] of filters) {
    for (const sort of ['arrival', 'received', 'started', 'succeeded', 'runtime']) {
      for (const order of ['desc', 'asc']) await time(`${name}, sort=${sort}&order=${order}`, `/api/v1/tasks?limit=50${filter}&sort=${sort}&order=${order}`, 50);
    }
  }

  console.log(`\nthe next ${input.cursorPages} pages by cursor, GET /api/v1/tasks?limit=50&cursor=… (${input.runs} chains)`);
  for (const [name, query] of [['arrival desc', 'sort=arrival&order=desc'], ['runtime desc', 'sort=runtime&order=desc'], ['state=FAILURE, received asc', 'state=FAILURE&sort=received&order=asc']] as const) {
    const pages: number[][] = Array.from({ length: input.cursorPages }, () => []);
    const errors: string[][] = Array.from({ length: input.cursorPages }, () => []);
    const paths: string[] = [];
    for (let run = 0; run < input.runs; run++) {
      let cursor = (JSON.parse((await get(`/api/v1/tasks?limit=50&${query}`)).body) as { next_cursor: string | null }).next_cursor;
      for (let p = 0; p < input.cursorPages && cursor !== null; p++) {
        paths[p] = `/api/v1/tasks?limit=50&${query}&cursor=${encodeURIComponent(cursor)}`;
        const r = await get(paths[p] as string);
        pages[p]?.push(r.ms);
        if (r.status !== 200) {
          errors[p]?.push(`${r.status} ${r.body.slice(0, 120)}`);
          break;
        }
        cursor = (JSON.parse(r.body) as { next_cursor: string | null }).next_cursor;
      }
    }
    pages.forEach((times, p) => times.length > 0 && record(`${name}, page ${p + 2}`, paths[p] ?? '', times, 50, errors[p] ?? []));
  }

  console.log('\nFlower, search, a task with its timeline');
  await time('Flower /api/tasks?limit=100 (first page)', '/api/tasks?limit=100', 100);
  await time(`search=${RARE_WORD} (in 0.1 % of args), limit=50`, `/api/v1/tasks?limit=50&search=${RARE_WORD}`, 500);
  await time('search=invoice (in most args), limit=50', '/api/v1/tasks?limit=50&search=invoice', 500);
  let next = 0;
  await time(`/api/v1/tasks/:id, an old task not in memory (${input.oldIds.length} of them in turn)`, () => `/api/v1/tasks/${input.oldIds[next++ % Math.max(1, input.oldIds.length)] ?? 'none'}`, 10);
  agent.destroy();
  return results;
}

export function summary(results: readonly Timed[]): string {
  const met = results.filter((r) => r.p95 <= r.target && r.errors === '').length;
  return `${met} of ${results.length} requests meet their target (p95)`;
}

/**
 * The statements the history runs for a first page of /api/v1/tasks (`path`: its query string read as the
 * route reads it; a cursor is dropped), each with its plan. Other routes are not explained.
 */
export async function explainPage(history: HistoryBackend, path: string): Promise<string> {
  const url = new URL(path, 'http://pollen');
  if (url.pathname !== '/api/v1/tasks') return '  (not a task list: not explained)';
  url.searchParams.delete('cursor');
  const parsed = listQuery.safeParse(queryFields(url.searchParams));
  if (!parsed.success) return `  (${parsed.error.message})`;
  const { limit, sort, order, cursor: _cursor, ...filterInput } = parsed.data;
  const filter = compileFilter(filterInput);
  if (!filter.ok) return '  (the filter does not compile)';
  const query: TaskQuery = { filter: filter.filter, sort: { key: sort, order }, page: { kind: 'cursor', cursor: null, limit } };
  const lines: string[] = [];
  const reader = {
    dialect: history.dialect,
    async all<Row>(compiled: Compiled): Promise<Row[]> {
      const started = performance.now();
      const rows = await history.all<Row>(compiled);
      const ms = performance.now() - started;
      const explain = history.dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const plan = await history.all<Record<string, unknown>>({ ...compiled, sql: explain + compiled.sql });
      const steps = history.dialect === 'sqlite' ? plan.map((row) => String(row['detail'])) : plan.map((row) => String(row['QUERY PLAN']));
      lines.push(`  ${ms.toFixed(1)} ms, ${rows.length} rows: ${compiled.sql.replace(/\s+/g, ' ').slice(0, 400)}`, ...steps.map((step) => `      ${step}`));
      return rows;
    },
  };
  await historyPage({ db: compilingDb(history.dialect), reader, cluster: history.cluster }, 'explain', query, 100_000);
  return lines.join('\n');
}
