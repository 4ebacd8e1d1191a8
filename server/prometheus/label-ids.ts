/**
 * Small integer ids for the task names of /metrics, so that series can be found by array index rather
 * than by a Map per worker: one Map look-up per event, shared by Flower's families and
 * pollen_tasks_total. At most `cap` names get their own id (0 … cap − 1); any further name, and the name
 * "(other)" itself, gets OTHER's id (= cap). Names are never released: they are the cluster's task
 * names, a set that code defines, so the cap is reached only by a cluster that names tasks dynamically.
 */
import { OTHER_KEY } from '../metrics';
import { escapeLabelValue } from './exposition';

export class LabelIds {
  private readonly ids = new Map<string, number>();
  /** Escaped label value of each id; OTHER's at index `cap`. */
  private readonly escaped: string[] = [];
  /** Uses of names that found the cap reached. */
  overflowEvents = 0;

  constructor(readonly cap: number) {
    this.escaped[cap] = escapeLabelValue(OTHER_KEY);
  }

  get otherId(): number {
    return this.cap;
  }

  get size(): number {
    return this.ids.size;
  }

  id(name: string): number {
    const id = this.ids.get(name);
    if (id !== undefined) return id;
    if (name === OTHER_KEY) return this.cap;
    if (this.ids.size >= this.cap) {
      this.overflowEvents++;
      return this.cap;
    }
    const next = this.ids.size;
    this.ids.set(name, next);
    this.escaped[next] = escapeLabelValue(name);
    return next;
  }

  /** The escaped label value of an id, ready to go between quotes. */
  escapedValue(id: number): string {
    return this.escaped[id] ?? '';
  }
}
