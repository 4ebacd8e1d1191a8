/**
 * pollen_tasks_total{name,state}: task events by task name and the state they report, since start,
 * summed over workers: the series an alert on a task's failure ratio needs, at a cardinality Flower's
 * per-worker flower_events_total cannot offer. States are COUNT_STATES (sent … rejected). Names are the
 * ids of the LabelIds shared with Flower's families (past its cap: name="(other)"); events without a
 * known name count as name="".
 */
import { COUNT_STATES } from '../metrics';
import { stateIndex } from '../metrics/metric-types';
import type { Exposition } from './exposition';
import type { LabelIds } from './label-ids';

const STATES = COUNT_STATES.length;

export class TaskCounters {
  /** STATES counts per task-name id (OTHER's included), grown on demand. */
  private counts = new Float64Array(64 * STATES);

  constructor(private readonly names: LabelIds) {}

  /** One task event of the task-name id `nameId` (from names.id). */
  count(nameId: number, type: string): void {
    const slot = stateIndex(type);
    if (slot < 0 || nameId < 0) return;
    let counts = this.counts;
    if ((nameId + 1) * STATES > counts.length) {
      let length = counts.length;
      while (length < (nameId + 1) * STATES) length *= 2;
      counts = new Float64Array(length);
      counts.set(this.counts);
      this.counts = counts;
    }
    const at = nameId * STATES + slot;
    counts[at] = (counts[at] as number) + 1;
  }

  write(out: Exposition): void {
    out.family('pollen_tasks_total', 'counter', 'Task events by task name and the state they report, summed over workers, since Pollen started');
    const counts = this.counts;
    for (let id = 0; id * STATES < counts.length; id++) {
      let label: string | null = null;
      for (let s = 0; s < STATES; s++) {
        const count = counts[id * STATES + s] as number;
        if (count === 0) continue;
        label ??= `name="${this.names.escapedValue(id)}"`;
        out.sample('pollen_tasks_total', `${label},state="${COUNT_STATES[s] as string}"`, count);
      }
    }
  }
}
