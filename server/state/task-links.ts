/**
 * The links between tasks that no one record holds: a task's children (the tasks whose parent_id names
 * it) and its retries (the tasks Pollen re-sent it as, whose task-sent names it in `pollen_retry_of`),
 * kept by the id they name as events link tasks and as tasks leave the model, O(1) each, so that a task
 * page polled every second reads its links instead of walking every task.
 *
 * An id is kept whether or not its task is held: the children of an evicted parent are listed again when
 * it comes back, as a walk over the held tasks would list them. Ids come in the order they were linked,
 * which is the order the tasks arrived in, but for a task whose first event did not name its parent.
 */
import type { JsonObject } from '@/lib/celery';
import type { TaskRecord } from './task-record';

/** The header and event field of a Pollen retry that names the task it re-sends (server/retry). */
export const RETRY_OF = 'pollen_retry_of';

/** The task this one retries, when Pollen sent it as a retry. */
export function retryOf(task: TaskRecord): string | null {
  return retryOfIn(task.extra);
}

function retryOfIn(extra: JsonObject | null): string | null {
  const value = extra?.[RETRY_OF];
  return typeof value === 'string' ? value : null;
}

/** The task `uuid` retries as a link, from its extra fields: a task that names itself retries nothing. */
function linkedOriginal(uuid: string, extra: JsonObject | null): string | null {
  const original = retryOfIn(extra);
  return original === uuid ? null : original;
}

/** What a task page reads of the links around a task (ClusterState answers). */
export interface TaskLinkReads {
  /** Ids of the held tasks whose parent is `id`. */
  childrenOf(id: string): readonly string[];
  /** Ids of the held tasks Pollen sent as retries of `id`. */
  retriedAs(id: string): readonly string[];
}

const NONE: readonly string[] = [];

/**
 * Ids by the id they link to. Most ids are linked to alone (a chain's next step, a single retry): they
 * are kept as the string itself, and a Set only once a second id joins, so links cost a map entry each.
 */
class LinkMap {
  private readonly byTarget = new Map<string, string | Set<string>>();

  add(target: string, id: string): void {
    const members = this.byTarget.get(target);
    if (members === undefined) this.byTarget.set(target, id);
    else if (typeof members !== 'string') members.add(id);
    else if (members !== id) this.byTarget.set(target, new Set([members, id]));
  }

  remove(target: string, id: string): void {
    const members = this.byTarget.get(target);
    if (members === undefined) return;
    if (typeof members === 'string') {
      if (members === id) this.byTarget.delete(target);
      return;
    }
    members.delete(id);
    if (members.size === 1) this.byTarget.set(target, members.values().next().value as string);
  }

  get(target: string): readonly string[] {
    const members = this.byTarget.get(target);
    if (members === undefined) return NONE;
    return typeof members === 'string' ? [members] : [...members];
  }

  /** Ids linked to anything (for tests and memory figures). */
  get targets(): number {
    return this.byTarget.size;
  }
}

export class TaskLinks implements TaskLinkReads {
  private readonly children = new LinkMap();
  private readonly retries = new LinkMap();

  /** After an event changed `task`'s parent or extra fields (the retry link), given both before it. */
  update(task: TaskRecord, parentBefore: string | null, extraBefore: JsonObject | null): void {
    const parent = task.parentId;
    if (parent !== parentBefore) {
      if (parentBefore !== null) this.children.remove(parentBefore, task.uuid);
      if (parent !== null && parent !== task.uuid) this.children.add(parent, task.uuid);
    }
    const original = linkedOriginal(task.uuid, task.extra);
    const retryOfBefore = linkedOriginal(task.uuid, extraBefore);
    if (original !== retryOfBefore) {
      if (retryOfBefore !== null) this.retries.remove(retryOfBefore, task.uuid);
      if (original !== null) this.retries.add(original, task.uuid);
    }
  }

  /** `task` leaves the model: it is no one's child or retry any more. */
  remove(task: TaskRecord): void {
    if (task.parentId !== null) this.children.remove(task.parentId, task.uuid);
    const original = linkedOriginal(task.uuid, task.extra);
    if (original !== null) this.retries.remove(original, task.uuid);
  }

  childrenOf(id: string): readonly string[] {
    return this.children.get(id);
  }

  retriedAs(id: string): readonly string[] {
    return this.retries.get(id);
  }

  /** How many ids have children, and how many have retries. */
  get size(): { readonly parents: number; readonly originals: number } {
    return { parents: this.children.targets, originals: this.retries.targets };
  }
}
