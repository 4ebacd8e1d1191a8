/**
 * A layered layout for a task's workflow graph: a task's layer is its depth from the root (chain steps and
 * callbacks move right, a group's members stack in one column), so the drawing reads as the canvas ran.
 * Every node has one way in (its parent, the task a retry re-sent, or its group), but for a chord's body,
 * which follows every header task: breadth-first order puts it one column after them, and keeps siblings
 * together without crossing edges.
 */
import type { Workflow, WorkflowEdge, WorkflowNode } from '@/lib/api/tasks';

export const NODE_WIDTH = 176;
export const NODE_HEIGHT = 46;
const COLUMN_GAP = 64;
const ROW_GAP = 14;
const PADDING = 10;

export interface PlacedNode {
  readonly node: WorkflowNode;
  readonly layer: number;
  readonly x: number;
  readonly y: number;
}

export interface PlacedEdge {
  readonly edge: WorkflowEdge;
  /** An SVG path from the right side of `from` to the left side of `to`. */
  readonly path: string;
}

export interface WorkflowLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

export function layoutWorkflow(workflow: Workflow): WorkflowLayout {
  const outgoing = new Map<string, string[]>();
  for (const edge of workflow.edges) {
    const list = outgoing.get(edge.from);
    if (list) list.push(edge.to);
    else outgoing.set(edge.from, [edge.to]);
  }
  const byId = new Map(workflow.nodes.map((node) => [node.id, node]));
  const depth = new Map<string, number>();
  const order: string[] = [];
  const visit = (start: string): void => {
    if (depth.has(start) || !byId.has(start)) return;
    depth.set(start, 0);
    const queue = [start];
    for (let at = 0; at < queue.length; at++) {
      const id = queue[at] as string;
      order.push(id);
      for (const next of outgoing.get(id) ?? []) {
        if (depth.has(next) || !byId.has(next)) continue;
        depth.set(next, (depth.get(id) ?? 0) + 1);
        queue.push(next);
      }
    }
  };
  visit(workflow.root);
  // The server always links every node to the root; anything it did not is still drawn, from column 0.
  for (const node of workflow.nodes) visit(node.id);

  const layers: string[][] = [];
  for (const id of order) {
    const layer = depth.get(id) ?? 0;
    (layers[layer] ??= []).push(id);
  }
  const tallest = Math.max(1, ...layers.map((ids) => ids.length));
  const height = PADDING * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
  const width = PADDING * 2 + layers.length * NODE_WIDTH + Math.max(0, layers.length - 1) * COLUMN_GAP;

  const placed = new Map<string, PlacedNode>();
  layers.forEach((ids, layer) => {
    const columnHeight = ids.length * NODE_HEIGHT + (ids.length - 1) * ROW_GAP;
    const top = (height - columnHeight) / 2;
    ids.forEach((id, slot) => {
      placed.set(id, { node: byId.get(id) as WorkflowNode, layer, x: PADDING + layer * (NODE_WIDTH + COLUMN_GAP), y: top + slot * (NODE_HEIGHT + ROW_GAP) });
    });
  });

  const edges: PlacedEdge[] = [];
  for (const edge of workflow.edges) {
    const from = placed.get(edge.from);
    const to = placed.get(edge.to);
    if (!from || !to) continue;
    edges.push({ edge, path: edgePath(from, to) });
  }
  return { width, height, nodes: order.map((id) => placed.get(id) as PlacedNode), edges };
}

function edgePath(from: PlacedNode, to: PlacedNode): string {
  const x1 = from.x + NODE_WIDTH;
  const y1 = from.y + NODE_HEIGHT / 2;
  // The arrow head sits on the target's border, so the line stops just short of it.
  const x2 = to.x - 2;
  const y2 = to.y + NODE_HEIGHT / 2;
  if (to.layer <= from.layer) {
    // Not expected of a tree drawn by depth, but never draw a line through the boxes.
    const lift = Math.min(from.y, to.y) - ROW_GAP;
    return `M ${x1} ${y1} C ${x1 + 30} ${y1}, ${x1 + 30} ${lift}, ${(x1 + x2) / 2} ${lift} S ${x2 - 30} ${y2}, ${x2} ${y2}`;
  }
  const bend = (x2 - x1) / 2;
  return `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
}
