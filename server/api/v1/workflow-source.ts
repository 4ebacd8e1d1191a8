/**
 * The tasks and links a workflow graph is drawn from (workflow-graph.ts), across history. The graph's
 * walk is synchronous; with history some of the tasks it visits are on disk. So the walk runs over what
 * has been read so far, notes the ids it asked for and did not find, those are read (with their children
 * and retries), and it runs again, until it asks for nothing new: one round per level of the graph, a few
 * indexed reads each. Without history the store itself is the source.
 */
import type { TaskRecord } from '../../state/task-record';
import type { TaskStore, TaskWithLinks } from '../../store/task-store';
import { MAX_WORKFLOW_NODES, workflowOf } from './workflow-graph';
import type { TaskGroup } from './workflow-groups';

export interface WorkflowSource {
  task(id: string): TaskRecord | undefined;
  childrenOf(id: string): readonly string[];
  retriedAs(id: string): readonly string[];
}

/** Rounds of reading: a chain deeper than this shows its far end as tasks not known. */
const MAX_ROUNDS = 64;

/** The source for the graph around `id`; with `group`, read through the group's members as well. */
export async function workflowSource(store: TaskStore, id: string, group: TaskGroup | null = null): Promise<WorkflowSource> {
  if (store.historyWriting() === null) return store;
  const read = new Map<string, TaskWithLinks | null>();
  const missed = new Set<string>();
  const source: WorkflowSource = {
    task: (taskId) => lookup(taskId)?.task,
    childrenOf: (taskId) => lookup(taskId)?.children ?? store.childrenOf(taskId),
    retriedAs: (taskId) => lookup(taskId)?.retriedAs ?? store.retriedAs(taskId),
  };
  function lookup(taskId: string): TaskWithLinks | null | undefined {
    const found = read.get(taskId);
    if (found === undefined) missed.add(taskId);
    return found;
  }
  missed.add(id);
  for (let round = 0; round < MAX_ROUNDS && missed.size > 0; round++) {
    const ids = [...missed];
    missed.clear();
    const linked = await Promise.all(ids.map((taskId) => store.findTaskWithLinks(taskId)));
    ids.forEach((taskId, i) => read.set(taskId, linked[i] ?? null));
    workflowOf(source, id, source, MAX_WORKFLOW_NODES, group);
  }
  return source;
}
