/**
 * Each held task has a slot (TaskRecord.slot), reused after it is evicted, and per slot the model keeps
 * in flat typed arrays what a scan over every task needs: the time its current state was reached (what
 * Flower's default order sorts by) and its search signature (lib/search/search-signature.ts). A scan
 * then reads a few contiguous megabytes instead of a million task records spread over the heap, which
 * at that size costs more in cache misses than in work.
 *
 * Signatures are worked out lazily: a task whose searchable text changed is only marked (`touch`), and
 * the next search signs the marked tasks (TaskIndex.signatures; in slices between events when there are
 * many). Ingest then pays one byte write per change, not the text's hashing, and a model nobody searches
 * never hashes at all. Each slot also keeps its task's state as a byte (`states`).
 *
 * Capacity grows by doubling up to maxTasks + 1 (the model holds one task past its bound for a moment
 * while it evicts), so a full model wastes nothing.
 */
import { SIGNATURE_WORDS } from '@/lib/search/search-signature';
import type { TaskRecord } from './task-record';

export { SIGNATURE_WORDS };

/** The code shared by every state past the first 255 (task-slots' `states` cannot tell those apart). */
export const OTHER_STATE = 255;

export class TaskSlots {
  private capacity = 0;
  /** Slots in use or freed so far: every slot below it has been given out at least once. */
  used = 0;
  /** The held tasks by slot (one array for the model's life: the orders hold on to it). */
  readonly tasks: (TaskRecord | null)[] = [];
  /** Sort value of Flower's `timestamp` order (clock-skew.ts's sortTime); NaN for a free slot. */
  timestamps = new Float64Array(0);
  /** SIGNATURE_WORDS words per slot; a marked slot's words are out of date. */
  signatures = new Int32Array(0);
  /** 1 for a slot whose task's text changed since it was last signed. */
  marked = new Uint8Array(0);
  /** How many slots are marked. */
  pending = 0;
  /** Each slot's task's state as a code (stateCode), so that a walk of an order can pass over other states without reading the task. */
  states = new Uint8Array(0);
  /** The states given codes, by code (a code is its index). */
  private readonly stateNames: string[] = [];
  private readonly free: number[] = [];

  constructor(private readonly maxSlots: number) {}

  /** A slot for a new task, marked to be signed. */
  take(task: TaskRecord): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.capacity) this.grow();
      slot = this.used++;
    }
    this.tasks[slot] = task;
    this.timestamps[slot] = task.timestamp;
    this.states[slot] = this.stateCode(task.state);
    this.touch(slot);
    return slot;
  }

  /** A small number per state; OTHER_STATE once 255 have been seen (custom states: Celery takes any string). */
  stateCode(state: string): number {
    // A look along a few names (Celery's states are the model's shared strings): cheaper than a Map here.
    const code = this.knownStateCode(state);
    if (code !== undefined) return code;
    if (this.stateNames.length === OTHER_STATE) return OTHER_STATE;
    this.stateNames.push(state);
    return this.stateNames.length - 1;
  }

  /** The code of a state if one was given, without giving one (undefined: no task has had it). */
  knownStateCode(state: string): number | undefined {
    const names = this.stateNames;
    for (let code = 0; code < names.length; code++) if (names[code] === state) return code;
    return undefined;
  }

  /** The slot's task has new searchable text: its signature is to be worked out again. */
  touch(slot: number): void {
    if (this.marked[slot] === 0) {
      this.marked[slot] = 1;
      this.pending++;
    }
  }

  release(slot: number): void {
    this.tasks[slot] = null;
    this.timestamps[slot] = NaN;
    this.free.push(slot);
  }

  private grow(): void {
    const capacity = Math.min(Math.max(1024, this.capacity * 2), Math.max(this.maxSlots, this.capacity + 1));
    const timestamps = new Float64Array(capacity).fill(NaN);
    timestamps.set(this.timestamps);
    const signatures = new Int32Array(capacity * SIGNATURE_WORDS);
    signatures.set(this.signatures);
    const marked = new Uint8Array(capacity);
    marked.set(this.marked);
    const states = new Uint8Array(capacity);
    states.set(this.states);
    this.states = states;
    this.timestamps = timestamps;
    this.signatures = signatures;
    this.marked = marked;
    this.capacity = capacity;
  }
}
