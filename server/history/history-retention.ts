/**
 * Keeps history within its retention (retention-policy.ts), off the hot path: a pass soon after start
 * and then every minute, each statement deleting at most `batchSize` tasks. Candidates are read on the
 * reader's connection and deleted on the writer's, one statement (one transaction) per batch, awaited
 * before the next: a flush of the write-behind that arrives meanwhile is written between two batches,
 * never after the whole pass. The delete trigger takes a task's events, text and counts with it.
 *
 * A pass, in order:
 *   1. tasks past their age: SUCCESS after `success`, FAILURE/REVOKED/REJECTED after `failure`, the rest
 *      after `other`, by `timestamp` (when the task reached its state). Each age walks the timestamp index
 *      from where its last pass stopped, so a pass reads only what aged since, not the rows kept longer;
 *      a daily walk from the start catches rows written with an old timestamp since.
 *   2. the oldest tasks beyond `maxTasks`, finished ones first.
 *   3. the oldest tasks while the pages in use pass `maxBytes` (measured again after each round: deleting
 *      rows leaves index pages part-full, which new rows reuse).
 *   4. runs and workers not heard from within the longest age (never the newest run: the next run's
 *      number, and so its event ids, follow it).
 * A task memory holds in flight is never pruned, whatever its age or the limits.
 */
import { CompiledQuery, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { FINISHED_STATES } from '@/lib/api/task-states';
import type { Logger } from '@/lib/runtime/logger';
import { compilingDb, type Compiled, type HistoryDb, type HistoryTables, type SqlReader } from './history-sql';
import { FAILURE_STATES, longestRetention, type RetentionPolicy, SUCCESS_STATES } from './retention-policy';

/** What the pruner needs of a history (HistoryBackend has it). */
export interface RetentionTarget extends SqlReader {
  readonly where: string;
  readonly cluster: string | null;
  /** Runs one statement on the writer's connection; resolves with the rows it changed. */
  run(query: Compiled): Promise<number>;
  /** Bytes of the pages in use; absent where the database cannot say (then --max-history-size is not applied). */
  usedBytes?(): Promise<number>;
}

export interface RetentionOptions {
  readonly policy: RetentionPolicy;
  /** Unix seconds. */
  readonly now: () => number;
  /** Whether memory holds this task in flight (not finished): such a task is never pruned. */
  readonly held: (uuid: string) => boolean;
  readonly log: Pick<Logger, 'warn' | 'info'>;
  /** Tasks deleted per statement at most. */
  readonly batchSize?: number;
  readonly intervalMs?: number;
  /** The first pass: after the start's restore and reads, not in their way. */
  readonly firstDelayMs?: number;
}

/** What the pruner has deleted since Pollen started, for /metrics and the history status. */
export interface HistoryPruned {
  /** Tasks, by why: their age, the row maximum, the size maximum. */
  readonly age: number;
  readonly maxTasks: number;
  readonly maxSize: number;
  readonly runs: number;
  readonly workers: number;
  /** Unix seconds at the end of the last pass. */
  readonly lastPassAt: number | null;
  /** Bytes of pages in use at the last measure (null: not measured). */
  readonly usedBytes: number | null;
}

type AgeName = 'success' | 'failure' | 'other';
type Position = { readonly timestamp: number; readonly seq: number };
type Candidate = { readonly seq: number | string; readonly uuid: string; readonly state: string; readonly timestamp?: number | string };

const DAY = 86_400;
const SIZE_ROUNDS = 50;

export class HistoryRetention {
  private readonly db: HistoryDb;
  private readonly batchSize: number;
  /** Per age, the (timestamp, seq) its walk reached: everything before it was handled. */
  private readonly resume = new Map<AgeName, Position>();
  private fullWalkAt = Number.NEGATIVE_INFINITY;
  private pruned = { age: 0, maxTasks: 0, maxSize: 0, runs: 0, workers: 0 };
  private lastPassAt: number | null = null;
  private usedBytes: number | null = null;
  private passing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private sizeWarned = false;
  private ftsTuned = false;

  constructor(
    private readonly target: RetentionTarget,
    private readonly options: RetentionOptions,
  ) {
    this.db = compilingDb(target.dialect);
    this.batchSize = options.batchSize ?? 2000;
  }

  start(): void {
    this.stopped = false;
    this.schedule(this.options.firstDelayMs ?? 10_000);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      void this.pass().finally(() => {
        if (!this.stopped) this.schedule(this.options.intervalMs ?? 60_000);
      });
    }, ms);
    this.timer.unref();
  }

  /** Stops the schedule; a pass under way ends after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.passing;
  }

  status(): HistoryPruned {
    return { ...this.pruned, lastPassAt: this.lastPassAt, usedBytes: this.usedBytes };
  }

  /** One pass now (a pass under way is joined, not doubled); a failure is logged and the next pass tries again. */
  pass(): Promise<void> {
    this.passing ??= this.prune()
      .catch((err: unknown) => {
        this.options.log.warn({ where: this.target.where, err: err instanceof Error ? err.message : String(err), code: (err as { code?: unknown }).code }, 'history pruning failed; it is tried again at the next pass');
      })
      .finally(() => {
        this.passing = null;
      });
    return this.passing;
  }

  private async prune(): Promise<void> {
    const { policy, now } = this.options;
    if (this.target.dialect === 'sqlite' && !this.ftsTuned) {
      // FTS5 merges a segment whose deleted rows pass 10 % (`deletemerge`) during the delete that tips
      // it: on a 1M-task file one batch in forty took 1 to 8 s instead of ~0.1 s, and held the writer
      // (and the flushes behind it) that long. Off, deleted rows are dropped when the inserts' own merges
      // rewrite their segments. A persistent setting of the text index, set once per start.
      await this.target.run(CompiledQuery.raw("INSERT INTO task_text (task_text, rank) VALUES ('deletemerge', 0)"));
      this.ftsTuned = true;
    }
    const at = now();
    const before = { ...this.pruned };
    if (at - this.fullWalkAt >= DAY) {
      this.resume.clear();
      this.fullWalkAt = at;
    }
    const ages: [AgeName, number][] = [['success', policy.success], ['failure', policy.failure], ['other', policy.other]];
    for (const [name, age] of ages) if (age > 0) await this.pruneAged(name, at - age);
    if (policy.maxTasks > 0) {
      const excess = (await this.total()) - policy.maxTasks;
      if (excess > 0) this.pruned.maxTasks += await this.pruneOldest(excess);
    }
    if (policy.maxBytes > 0) await this.pruneOverSize(policy.maxBytes);
    await this.pruneRunsAndWorkers(at);
    this.lastPassAt = now();
    const pruned = { age: this.pruned.age - before.age, maxTasks: this.pruned.maxTasks - before.maxTasks, maxSize: this.pruned.maxSize - before.maxSize, runs: this.pruned.runs - before.runs, workers: this.pruned.workers - before.workers };
    if (Object.values(pruned).some((n) => n > 0)) this.options.log.info({ where: this.target.where, pruned, usedBytes: this.usedBytes }, 'history pruned');
  }

  private scoped<Q extends { where(column: 'cluster', op: '=', value: string): Q }>(query: Q): Q {
    return this.target.cluster === null ? query : query.where('cluster', '=', this.target.cluster);
  }

  private async total(): Promise<number> {
    const query = this.db.selectFrom('task_counts').select('n').where('field', '=', 'total').where('key', '=', '');
    const [row] = await this.target.all<{ n: number | string }>(this.scoped(query).compile());
    return Number(row?.n ?? 0);
  }

  /** Deletes tasks by arrival number, checking again on the writer what the reader saw. */
  private async deleteTasks(seqs: readonly number[], still?: (eb: ExpressionBuilder<HistoryTables, 'tasks'>) => Expression<SqlBool>): Promise<number> {
    if (seqs.length === 0) return 0;
    let query = this.scoped(this.db.deleteFrom('tasks').where('seq', 'in', seqs));
    if (still !== undefined) query = query.where(still);
    return this.target.run(query.compile());
  }

  private candidate(row: Candidate): boolean {
    return !this.options.held(row.uuid);
  }

  /** Tasks of one age older than `cutoff`, walking the timestamp index from where the last pass stopped. */
  private async pruneAged(name: AgeName, cutoff: number): Promise<void> {
    const states = name === 'success' ? SUCCESS_STATES : name === 'failure' ? FAILURE_STATES : [...FINISHED_STATES];
    const ofAge = (state: string) => (name === 'other' ? !FINISHED_STATES.has(state) : states.includes(state));
    let after = this.resume.get(name) ?? null;
    while (!this.stopped) {
      let query = this.db.selectFrom('tasks').select(['seq', 'uuid', 'state', 'timestamp']).where('timestamp', '<', cutoff);
      if (after !== null) {
        const from = after;
        query = query.where((eb) => eb(eb.refTuple('timestamp', 'seq'), '>', eb.tuple(from.timestamp, from.seq)));
      }
      const rows = await this.target.all<Candidate>(this.scoped(query).orderBy('timestamp').orderBy('seq').limit(this.batchSize).compile());
      const last = rows[rows.length - 1];
      if (last === undefined) break;
      const doomed = rows.filter((row) => ofAge(row.state) && this.candidate(row)).map((row) => Number(row.seq));
      // Checked again on the writer: a task that changed state since it was read is not this age's.
      this.pruned.age += await this.deleteTasks(doomed, (eb) => eb.and([eb('timestamp', '<', cutoff), name === 'other' ? eb('state', 'not in', states) : eb('state', 'in', states)]));
      after = { timestamp: Number(last.timestamp), seq: Number(last.seq) };
      this.resume.set(name, after);
      if (rows.length < this.batchSize) break;
    }
  }

  /** Up to `count` of the oldest tasks by arrival: finished ones first, then any memory does not hold in flight. */
  private async pruneOldest(count: number): Promise<number> {
    let pruned = 0;
    for (const finishedOnly of [true, false]) {
      let after: number | null = null;
      while (pruned < count && !this.stopped) {
        let query = this.db.selectFrom('tasks').select(['seq', 'uuid', 'state']);
        if (after !== null) query = query.where('seq', '>', after);
        const rows = await this.target.all<Candidate>(this.scoped(query).orderBy('seq').limit(this.batchSize).compile());
        const last = rows[rows.length - 1];
        if (last === undefined) break;
        after = Number(last.seq);
        const doomed = rows.filter((row) => (!finishedOnly || FINISHED_STATES.has(row.state)) && this.candidate(row)).slice(0, count - pruned);
        pruned += await this.deleteTasks(
          doomed.map((row) => Number(row.seq)),
          finishedOnly ? (eb) => eb('state', 'in', [...FINISHED_STATES]) : undefined,
        );
        if (rows.length < this.batchSize) break;
      }
    }
    return pruned;
  }

  private async pruneOverSize(maxBytes: number): Promise<void> {
    const measure = this.target.usedBytes?.bind(this.target);
    if (measure === undefined) {
      if (!this.sizeWarned) this.options.log.warn({ where: this.target.where }, '--max-history-size is not applied: this history cannot measure its size');
      this.sizeWarned = true;
      return;
    }
    for (let round = 0; round < SIZE_ROUNDS && !this.stopped; round++) {
      const used = await measure();
      this.usedBytes = used;
      if (used <= maxBytes) return;
      const total = await this.total();
      if (total === 0) return;
      // Task rows and what hangs off them (events, indexes, text) fill the pages: as many of the oldest
      // as the excess is of the whole, and 1 % more so the next flushes do not tip it over at once. The
      // next round measures again.
      const share = Math.ceil((total * (used - maxBytes)) / used) + Math.ceil(total / 100);
      const pruned = await this.pruneOldest(share);
      this.pruned.maxSize += pruned;
      if (pruned === 0) {
        if (!this.sizeWarned) this.options.log.warn({ where: this.target.where, used, maxBytes }, 'history is over --max-history-size and every task left is in flight');
        this.sizeWarned = true;
        return;
      }
    }
  }

  private async pruneRunsAndWorkers(at: number): Promise<void> {
    const longest = longestRetention(this.options.policy);
    if (longest === null || this.stopped) return;
    const cutoff = at - longest;
    const newest = this.scoped(this.db.selectFrom('runs').select((eb) => eb.fn.max('id').as('id')));
    this.pruned.runs += await this.target.run(this.scoped(this.db.deleteFrom('runs').where('last_heard', '<', cutoff).where('id', '<', newest)).compile());
    this.pruned.workers += await this.target.run(this.scoped(this.db.deleteFrom('workers').where('last_seen', '<', cutoff)).compile());
  }
}
