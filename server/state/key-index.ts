/**
 * The held tasks of each value of one key field (a state, name, worker or queue): how many, always, and
 * in arrival order (arrival-list.ts) while readers use the lists. The counts cost a lookup per change;
 * the lists cost more (most of the rest of what the index costs ingest), and only filtered pages read
 * them, so a field's lists are built from the arrival order on first read (arrival-build.ts) and dropped
 * after a while unread, as the sorted orders are (task-index.ts).
 */
import { ArrivalList } from './arrival-list';
import { ArrivalBuild, type BuildPace } from './arrival-build';
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
  /** Null while the lists are not kept; while it runs, the lists hold the tasks it has been past. */
  private build: ArrivalBuild | null = null;
  /** Whether a list was read since the last sweep, and the sweep's time when last one was. */
  private read = false;
  private readAt = 0;
  // Consecutive events often share a worker, a name or a queue: one lookup saved for each.
  private lastKey: string | null = null;
  private lastEntry: KeyEntry | undefined = undefined;

  constructor(
    private readonly field: TaskKeyField,
    private readonly all: ArrivalList,
    private readonly pace: BuildPace,
  ) {}

  enter(task: TaskRecord, key: string | null): void {
    if (key === null || key === '') return;
    let entry = key === this.lastKey ? this.lastEntry : this.keys.get(key);
    if (entry === undefined) {
      entry = { count: 0, list: this.build !== null ? new ArrivalList(hasKey(this.field, key)) : null };
      this.keys.set(key, entry);
    }
    entry.count++;
    if (entry.list !== null && (this.build as ArrivalBuild).covers(task)) entry.list.enter(task);
    this.lastKey = key;
    this.lastEntry = entry;
  }

  leave(task: TaskRecord, key: string | null): void {
    if (key === null || key === '') return;
    const entry = key === this.lastKey ? this.lastEntry : this.keys.get(key);
    if (entry === undefined) return;
    entry.count--;
    if (entry.list !== null && (this.build as ArrivalBuild).covers(task)) entry.list.leave();
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

  /**
   * The held tasks with the key in arrival order (stale entries to skip with isLive); undefined when no
   * task has it, null while the lists are being built (the first read starts that).
   */
  list(key: string): ArrivalList | null | undefined {
    this.read = true;
    if (this.build === null) {
      for (const [k, entry] of this.keys) entry.list = new ArrivalList(hasKey(this.field, k));
      const field = this.field;
      this.build = new ArrivalBuild(this.all, (task) => this.keys.get(task[field] as string)?.list?.enter(task), this.pace);
    }
    if (!this.build.done) return null;
    return this.keys.get(key)?.list ?? undefined;
  }

  /** Whether the lists are kept and built. */
  get kept(): boolean {
    return this.build?.done ?? false;
  }

  /** The list if the lists are kept and built (undefined: no task has the key), else null; builds nothing. */
  keptList(key: string): ArrivalList | null | undefined {
    return this.kept ? (this.keys.get(key)?.list ?? undefined) : null;
  }

  /** Called on the model's sweep (`now` in seconds): lists unread for `idleSeconds` go. */
  sweep(now: number, idleSeconds: number): void {
    if (this.read) {
      this.read = false;
      this.readAt = now;
    } else if (this.build !== null && now - this.readAt > idleSeconds) {
      this.build.cancel();
      this.build = null;
      for (const entry of this.keys.values()) entry.list = null;
    }
  }
}
