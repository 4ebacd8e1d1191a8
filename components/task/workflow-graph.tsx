'use client';
/**
 * The chain, group or chord the task belongs to, drawn as boxes (name, state) joined by arrows from parent
 * to child; Pollen's retries (a new task id) are dashed. Each box opens its task's page. A group a client
 * sent (a chord's header) is a box of its own above its tasks, and a chord's body follows all of them.
 */
import Link from 'next/link';
import type { Workflow, WorkflowEdge, WorkflowNode } from '@/lib/api/tasks';
import { clipText } from '../format/format-values';
import styles from './task.module.css';
import { layoutWorkflow, NODE_HEIGHT, NODE_WIDTH } from './workflow-layout';

const STATE_TONE: Record<string, string> = {
  SUCCESS: 'ok',
  FAILURE: 'bad',
  REJECTED: 'bad',
  REVOKED: 'warn',
  RETRY: 'warn',
  STARTED: 'info',
  RECEIVED: 'info',
};

function tone(node: WorkflowNode): string {
  if (!node.known) return 'unknown';
  return STATE_TONE[node.state ?? ''] ?? 'muted';
}

/** Celery's own retries keep the task's id: no other node, but not "no retries" either. */
function aloneText(retries: number): string {
  if (retries === 0) return 'This task has no parent, children or retries: it runs on its own.';
  return `This task has no parent or children. Celery retried it ${retries === 1 ? 'once' : `${retries} times`} under its own id: see its retry history.`;
}

const EDGE_TITLE: Record<WorkflowEdge['kind'], string> = {
  child: 'parent of',
  retry: 'retried by Pollen as',
  group: 'in the group',
  chord: 'the chord body runs after it',
};

/** A group (or a chord's header) sent by a client: not a task, so its box opens nothing. */
function GroupNode({ node, members, x, y }: { node: WorkflowNode; members: number; x: number; y: number }) {
  return (
    <g className={`${styles.node} ${styles['tone-group']}`} transform={`translate(${x} ${y})`} data-node={node.id} data-kind="group">
      <title>{`group ${node.id}\n${members} tasks (group_id in the result backend)`}</title>
      <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={7} />
      <text x={10} y={18} className={styles.nodeName}>
        group of {members}
      </text>
      <text x={10} y={36} className={styles.nodeState}>
        {node.id.slice(0, 8)}
      </text>
    </g>
  );
}

export function WorkflowGraph({ workflow, current }: { workflow: Workflow; current: string }) {
  const layout = layoutWorkflow(workflow);
  const single = workflow.nodes.length <= 1;
  const tasks = workflow.nodes.filter((node) => node.kind !== 'group').length;
  const membersOf = (id: string): number => workflow.edges.filter((edge) => edge.kind === 'group' && edge.from === id).length;
  return (
    <section className="card">
      <h2>
        Workflow <span className="muted">{tasks === 1 ? '1 task' : `${tasks} tasks`}</span>
      </h2>
      {workflow.truncated && <p className="status-warn">The workflow has more tasks than the server draws: it is cut at {workflow.nodes.length}.</p>}
      {single && <p className="muted" data-testid="task-workflow-alone">{aloneText(workflow.nodes[0]?.retries ?? 0)}</p>}
      <div className={styles.graphScroll}>
        <svg
          className={styles.graph}
          width={layout.width}
          height={layout.height}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          role="img"
          aria-label={`Workflow of ${workflow.nodes.length} tasks`}
          data-testid="task-workflow"
        >
          <defs>
            <marker id="workflow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className={styles.arrowHead} />
            </marker>
          </defs>
          {layout.edges.map(({ edge, path }) => (
            <path key={`${edge.kind}-${edge.from}-${edge.to}`} d={path} className={`${styles.edge} ${edge.kind === 'retry' ? styles.retryEdge : ''}`} markerEnd="url(#workflow-arrow)" data-edge={edge.kind}>
              <title>{EDGE_TITLE[edge.kind]}</title>
            </path>
          ))}
          {layout.nodes.map(({ node, x, y }) => {
            if (node.kind === 'group') return <GroupNode key={node.id} node={node} members={membersOf(node.id)} x={x} y={y} />;
            const isCurrent = node.id === current;
            const label = node.known ? (node.name ?? 'unnamed task') : 'task not held by Pollen';
            return (
              <Link key={node.id} href={`/task/${encodeURIComponent(node.id)}`} data-node={node.id} aria-current={isCurrent ? 'page' : undefined}>
                <g className={`${styles.node} ${styles[`tone-${tone(node)}`] ?? ''} ${isCurrent ? styles.current : ''}`} transform={`translate(${x} ${y})`}>
                  <title>{`${label}\n${node.id}\n${node.state ?? 'state unknown'}${node.retries > 0 ? `\n${node.retries} Celery retries` : ''}`}</title>
                  <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={7} />
                  <text x={10} y={18} className={styles.nodeName}>
                    {clipText(label, 24)}
                  </text>
                  <text x={10} y={36} className={styles.nodeState}>
                    {node.known ? (node.state ?? '?') : 'unknown'}
                    {node.retries > 0 ? ` ↻${node.retries}` : ''} · {node.id.slice(0, 8)}
                  </text>
                </g>
              </Link>
            );
          })}
        </svg>
      </div>
    </section>
  );
}
