/**
 * The workflow around a task, as a graph: from the task up to its root (through parents, and through the
 * task a Pollen retry re-sends), then everything below that root, breadth first. Edges are `child`
 * (Celery's parent_id: chain steps, callbacks, tasks sent from a task) and `retry` (Pollen re-sent the
 * task under a new id). Celery's own retries keep the task id, so they stay inside one node (`retries`).
 *
 * A task Pollen does not hold (evicted, or never seen) is a node with `known: false`; the walk up stops
 * there. The graph is bounded: past MAX_WORKFLOW_NODES nodes it is cut and says so.
 *
 * A group a client sent (a chord's header among them) has no parent to hang from: given its members
 * (workflow-groups.ts reads them from the result backend), the group is a node above them (`group`
 * edges), and the chord body follows every member (`chord` edges): the body is the child of the header
 * task that finished last which that task did not store among its children (it sent it after storing
 * its result, in on_chord_part_return), whereas the tasks a member sends while it runs are stored.
 */
import type { TaskStore } from '../../store/task-store';
import { retryOf } from '../../state/task-links';
import type { TaskLinks } from './task-json';
import type { TaskGroup } from './workflow-groups';
import type { Workflow, WorkflowEdge, WorkflowEdgeKind, WorkflowNode } from '@/lib/api/tasks';

/** Enough for any real canvas; a fan-out of many thousands is shown cut, not sent whole. */
export const MAX_WORKFLOW_NODES = 1000;
/** Deeper than any real chain of parents; guards against a loop of ids. */
const MAX_ANCESTORS = 1000;

export type { Workflow, WorkflowEdge, WorkflowEdgeKind, WorkflowNode };

/** Null when Pollen does not hold the task. */
export function workflowOf(state: Pick<TaskStore, 'task'>, id: string, links: TaskLinks, maxNodes = MAX_WORKFLOW_NODES, group: TaskGroup | null = null): Workflow | null {
  if (state.task(id) === undefined) return null;
  const nodes = new Map<string, WorkflowNode>();
  const edges = new Map<string, WorkflowEdge>();
  const addNode = (nodeId: string): void => {
    if (nodes.has(nodeId)) return;
    const task = state.task(nodeId);
    nodes.set(nodeId, { id: nodeId, name: task?.name ?? null, state: task?.state ?? null, known: task !== undefined, retries: task?.retries ?? 0 });
  };
  const addEdge = (from: string, to: string, kind: WorkflowEdgeKind): void => {
    edges.set(`${kind} ${from} ${to}`, { from, to, kind });
  };

  // Up: the path from the task to its root is always shown, whatever the bound.
  let root = id;
  addNode(id);
  for (let steps = 0; steps < MAX_ANCESTORS; steps++) {
    const task = state.task(root);
    if (task === undefined) break;
    const parent = task.parentId !== null && task.parentId !== root ? task.parentId : null;
    const original = parent === null ? retryOf(task) : null;
    const up = parent ?? original;
    if (up === null || nodes.has(up)) break;
    addNode(up);
    if (parent !== null) addEdge(parent, root, 'child');
    else addEdge(up, root, 'retry');
    root = up;
  }

  // A parentless root in a group: the group is the root, above all its members.
  const members = group !== null && group.members.includes(root) ? group.members : null;
  if (group !== null && members !== null) {
    nodes.set(group.id, { id: group.id, kind: 'group', name: null, state: null, known: true, retries: 0 });
    root = group.id;
  }
  let body: string | null = null;

  // Down, breadth first from the root.
  let truncated = false;
  const queue = [root];
  const seen = new Set([root]);
  for (let at = 0; at < queue.length; at++) {
    const from = queue[at] as string;
    const next: [string, WorkflowEdgeKind][] =
      from === root && members !== null
        ? members.map((to): [string, WorkflowEdgeKind] => [to, 'group'])
        : [
            ...links.childrenOf(from).map((to): [string, WorkflowEdgeKind] => [to, 'child']),
            ...links.retriedAs(from).map((to): [string, WorkflowEdgeKind] => [to, 'retry']),
          ];
    if (members !== null && body === null && members.includes(from)) {
      const stored = group?.storedChildren.get(from);
      const sent = next.find(([to, kind]) => kind === 'child' && !members.includes(to) && stored !== undefined && !stored.has(to));
      if (sent !== undefined) {
        body = sent[0];
        sent[1] = 'chord';
        // The walk up from the body drew its parent's link as a child's.
        edges.delete(`child ${from} ${body}`);
        for (const member of members) if (member !== from) addEdge(member, body, 'chord');
      }
    }
    for (const [to, kind] of next) {
      if (!nodes.has(to)) {
        if (nodes.size >= maxNodes) {
          truncated = true;
          continue;
        }
        addNode(to);
      }
      addEdge(from, to, kind);
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return { root, nodes: [...nodes.values()], edges: [...edges.values()], truncated };
}
