/**
 * The held tasks of each value of one key field (a state, name, worker or queue): how many, always, and
 * in arrival order (arrival-list.ts) while readers use the lists. The counts cost a lookup per change;
 * the lists cost more (most of the rest of what the index costs ingest), and only filtered pages read
 * them, so a field's lists are built from the arrival order on first read and dropped after a while
 * unread, as the sorted orders are (task-index.ts).
 */
import { ArrivalList } from './arrival-list';
import type { TaskRecord } from './task-record';

export type TaskKeyField = 'state' | 'name' | 'worker' | 'queue';

export const TASK_KEY_FIELDS: readonly TaskKeyField[] = ['state', 'name', 'worker', 'queue'];

/**
 * Whether a task is held and still has the key, for one field: a function per field, so that each reads
 * one property at a call site of its own (a `task[field]` shared by four fields would be a slow lookup).
 */
function hasKey(field: TaskKeyField, key: string): (task: TaskRecord) => boolean {
  switch (field) {
    case 'state':
      return (task) => task.state === key && task.seq > 0;
    case 'name':
      return (task) => task.name === key && task.seq > 0;
    case 'worker':
      return (task) => task.worker === key && task.seq > 0;
    case 'queue':
      return (task) => task.queue === key && task.seq > 0;
  }
}

interface KeyEntry {
  count: number;
  /** Null while the field's lists are not kept. */
  list: ArrivalList | null;
}

export class KeyIndex {
  /** The keys some held task has; one with none left is forgotten (a stream of unique hostnames must not grow it). */
  private readonly keys = new Map<string, KeyEntry>();
  private listed = false;
  /** Whether a list was read since the last sweep, and the sweep's time when last one was. */
  private read = false;
  private readAt = 0;
  // Consecutive events often share a worker, a name or a queue: one lookup saved for each.
  private lastKey: string | null = null;
  private lastEntry: KeyEntry | undefined = undefined;

  constructor(private readonly field: TaskKeyField) {}

  enter(task: TaskRecord, key: string | null): void {
    if (key === null || key === '') return;
    let entry = key === this.lastKey ? this.lastEntry : this.keys.get(key);
    if (entry === undefined) {
      entry = { count: 0, list: this.listed ? new ArrivalList(hasKey(this.field, key)) : null };
      this.keys.set(key, entry);
    }
    entry.count++;
    if (entry.list !== null) entry.list.enter(task);
    this.lastKey = key;
    this.lastEntry = entry;
  }

  leave(key: string | null): void {
    if (key === null || key === '') return;
    const entry = key === this.lastKey ? this.lastEntry : this.keys.get(key);
    if (entry === undefined) return;
    entry.count--;
    if (entry.list !== null) entry.list.leave();
    if (entry.count === 0) {
      this.keys.delete(key);
      if (key === this.lastKey) this.lastKey = null;
    }
  }

  count(key: string): number {
    return this.keys.get(key)?.count ?? 0;
  }

  /** The keys some held task has, with how many have each (a new Map). */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [key, entry] of this.keys) counts.set(key, entry.count);
    return counts;
  }

  /** The held tasks with the key in arrival order (stale entries to skip with isLive), the lists built from `all` if not kept. */
  list(key: string, all: ArrivalList): ArrivalList | undefined {
    this.read = true;
    if (!this.listed) this.build(all);
    return this.keys.get(key)?.list ?? undefined;
  }

  /** Whether the lists are kept (read lately). */
  get kept(): boolean {
    return this.listed;
  }

  /** The list if the lists are kept, without building them. */
  keptList(key: string): ArrivalList | null | undefined {
    return this.listed ? (this.keys.get(key)?.list ?? undefined) : null;
  }

  /** Called on the model's sweep (`now` in seconds): lists unread for `idleSeconds` go. */
  sweep(now: number, idleSeconds: number): void {
    if (this.read) {
      this.read = false;
      this.readAt = now;
    } else if (this.listed && now - this.readAt > idleSeconds) {
      this.listed = false;
      for (const entry of this.keys.values()) entry.list = null;
    }
  }

  private build(all: ArrivalList): void {
    for (const [key, entry] of this.keys) entry.list = new ArrivalList(hasKey(this.field, key));
    const field = this.field;
    // In arrival order: every task is appended.
    for (let i = 0; i < all.length; i++) {
      const task = all.at(i);
      if (!all.isLive(task)) continue;
      const key = task[field];
      if (key !== null && key !== '') this.keys.get(key)?.list?.enter(task);
    }
    this.listed = true;
  }
}
