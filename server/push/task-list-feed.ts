/**
 * The feed behind one `tasks` subscription (a filter and a window of `limit` rows, newest first): which
 * tasks its subscribers must upsert or remove at the next flush.
 *
 * Memory is bounded whatever the event rate, and every set is O(1) per event:
 * - `changed`: a ring of the last 2 × limit matching changes (task ids, repeats included): one array
 *   store per event. Only the newest `limit` tasks can be in a window of `limit` rows once the client
 *   has merged them, so older changes are overwritten; that loses nothing a client shows. The flush
 *   takes the distinct ids, newest first.
 * - `members`: tasks known to match, to tell a removal (a row leaves the window: a STARTED task in a
 *   `state=STARTED` list succeeds) from a task that never concerned the list. Seeded with the newest
 *   matching tasks when the feed is made, then kept in two generations of at most memberCap / 2 each
 *   (when the young one fills it becomes the old one and the old one goes), so the newest matching tasks
 *   stay known without walking a Map's iterator (shared/PERF.md, trap 1).
 * - `removals`: members that stopped matching. Past REMOVALS_CAP the feed is `overflowed`: its
 *   subscribers are told to re-fetch (`subscriptions:invalidated`), and the sets start over.
 */
import type { TaskRecord } from '../state/task-record';
import type { TaskStore } from '../store/task-store';
import { matchesFilter, type TaskFilter, taskFilter } from '@/lib/query/task-filter';
import type { TaskListFilter } from './subscription-request';

/** Matching tasks remembered per window row: enough for rows that fill in below the window as others leave. */
const MEMBERS_PER_ROW = 4;
const MIN_MEMBERS = 256;

export type TaskListPending =
  | { readonly kind: 'overflow' }
  | { readonly kind: 'changes'; readonly reset: boolean; readonly tasks: readonly TaskRecord[]; readonly removed: readonly string[] };

export class TaskListFeed {
  readonly memberCap: number;
  private readonly removalsCap: number;
  private young = new Set<string>();
  private old = new Set<string>();
  private readonly changed: (string | undefined)[];
  /** Changes written to the ring since the last flush (may exceed its length). */
  private changes = 0;
  private readonly removals = new Set<string>();
  private overflowed = false;
  /** A subscriber joined: the next flush sends the whole window. */
  private resend = false;
  /** The subscription's filter in the one query model: the same rules as GET /api/tasks. */
  private readonly query: TaskFilter;

  constructor(
    readonly filter: TaskListFilter,
    readonly limit: number,
  ) {
    this.memberCap = Math.max(limit * MEMBERS_PER_ROW, MIN_MEMBERS);
    this.removalsCap = this.memberCap * 2;
    this.changed = new Array<string | undefined>(limit * 2).fill(undefined);
    const one = (value: string | null): string[] | null => (value === null ? null : [value]);
    this.query = taskFilter({ states: one(filter.state), names: one(filter.name), workers: one(filter.worker), search: filter.search });
  }

  matches(task: TaskRecord): boolean {
    return matchesFilter(this.query, task);
  }

  /** Remembers the newest matching tasks of the model (oldest of them first): once per feed. */
  seed(store: Pick<TaskStore, 'page'>): void {
    const page = store.page({ filter: this.query, sort: { key: 'arrival', order: 'desc' }, page: { kind: 'offset', offset: 0, limit: this.memberCap } });
    if (!page.ok) return;
    for (let i = page.tasks.length - 1; i >= 0; i--) this.remember((page.tasks[i] as TaskRecord).uuid);
  }

  /** Asks for the whole window at the next flush (a subscriber joined). */
  requestWindow(): void {
    this.resend = true;
  }

  /** One task changed. Returns whether the feed has something to send for it. */
  consider(task: TaskRecord): boolean {
    const uuid = task.uuid;
    if (this.matches(task)) {
      this.remember(uuid);
      if (this.overflowed) return true;
      if (this.removals.size > 0) this.removals.delete(uuid);
      this.changed[this.changes++ % this.changed.length] = uuid;
      return true;
    }
    const wasYoung = this.young.delete(uuid);
    const wasOld = this.old.delete(uuid);
    if (!wasYoung && !wasOld) return false;
    if (this.overflowed) return true;
    // Its earlier changes stay in the ring; take() skips ids that are removals.
    this.removals.add(uuid);
    if (this.removals.size > this.removalsCap) {
      this.overflowed = true;
      this.clearChanges();
    }
    return true;
  }

  /** Whether a flush has something to send (or to invalidate) for this feed. */
  get dirty(): boolean {
    return this.overflowed || this.resend || this.changes > 0 || this.removals.size > 0;
  }

  /** Takes what the next update carries and starts over; null when nothing changed. */
  take(store: Pick<TaskStore, 'task'>): TaskListPending | null {
    if (this.overflowed) {
      this.overflowed = false;
      this.resend = false;
      this.removals.clear();
      return { kind: 'overflow' };
    }
    const reset = this.resend;
    const ids = reset ? [...this.old, ...this.young] : this.newestChanges();
    const removed = reset ? [] : [...this.removals];
    this.resend = false;
    this.clearChanges();
    if (ids.length === 0 && removed.length === 0 && !reset) return null;
    const rows: TaskRecord[] = [];
    for (const uuid of ids) {
      const task = store.task(uuid);
      // Evicted from the model since it changed (or since it was remembered): nothing to show.
      if (task === undefined) {
        if (!reset) removed.push(uuid);
      } else if (this.matches(task)) {
        rows.push(task);
      }
    }
    rows.sort((a, b) => b.timestamp - a.timestamp);
    if (rows.length > this.limit) rows.length = this.limit;
    return { kind: 'changes', reset, tasks: rows, removed };
  }

  /** The distinct ids in the ring that are not removals, newest change first, at most `limit`. */
  private newestChanges(): string[] {
    const ring = this.changed;
    const seen = new Set<string>();
    const ids: string[] = [];
    const oldest = Math.max(0, this.changes - ring.length);
    for (let i = this.changes - 1; i >= oldest && ids.length < this.limit; i--) {
      const uuid = ring[i % ring.length] as string;
      if (seen.has(uuid)) continue;
      seen.add(uuid);
      if (!this.removals.has(uuid)) ids.push(uuid);
    }
    return ids;
  }

  private clearChanges(): void {
    this.changes = 0;
    this.removals.clear();
  }

  private remember(uuid: string): void {
    if (this.young.has(uuid)) return;
    this.young.add(uuid);
    if (this.young.size * 2 >= this.memberCap) {
      this.old = this.young;
      this.young = new Set();
    }
  }
}
