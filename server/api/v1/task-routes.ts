/** /api/v1 task queries, workflow graphs, retry and bulk actions. */
import type { Route } from '../../http/route-types';
import { apiError } from '../api-error';
import { checkTaskId } from '../task-id';
import { getTaskDetail } from './task-detail';
import { listQuery, listTasks } from './task-query';
import { bulkRetryBody, retryBody, retryMany, retryOne } from './task-retry';
import { bulkRevokeBody, revokeMany } from './task-revoke';
import { MAX_WORKFLOW_NODES, workflowOf } from './workflow-graph';
import { groupOfRoot } from './workflow-groups';
import { workflowSource } from './workflow-source';

const TAGS = ['tasks'];

export const V1_TASK_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/tasks',
    access: 'read',
    doc: {
      summary: 'Tasks, filtered and sorted, a page at a time: {tasks, next_cursor, total_matching, total_exact}; total_exact is false when history stopped counting at a bound (a search or a time range over millions): at least total_matching match',
      description:
        'Pass next_cursor back as cursor, with the same filters and sort, for the next page. Under the default sort (arrival) every task is returned exactly once across pages while new tasks arrive; under a time sort a task whose time changes while paging (a Celery retry, a start) may move.',
      tags: TAGS,
      query: listQuery,
      responses: { 200: 'a page of tasks', 400: 'bad parameter, search or cursor' },
    },
    handle: ({ query }, { store }) => listTasks(store, query),
  },
  {
    method: 'POST',
    path: '/api/v1/tasks/retry',
    access: 'control',
    doc: {
      summary: 'Retries many tasks, by ids or filters: {matched, sent: [{id, new_id}], refused: [{id, reason}]}; dry_run: {matched, retryable, refused}',
      tags: TAGS,
      body: bulkRetryBody,
      responses: { 200: 'what was sent and what was refused, with reasons', 400: 'bad body, no criterion, or more than 1000 tasks', 503: 'no broker' },
    },
    handle: ({ json }, context) => retryMany(json, context),
  },
  {
    method: 'POST',
    path: '/api/v1/tasks/revoke',
    access: 'control',
    doc: {
      summary: "Revokes many tasks, by ids or filters, in one broadcast, and waits up to --inspect-timeout for the workers' replies: {matched, revoked: [ids], refused, replies: [{worker, ok, message}]}; dry_run: {matched, revocable, refused}",
      tags: TAGS,
      body: bulkRevokeBody,
      responses: { 200: 'what was revoked and what was refused', 400: 'bad body, no criterion, or more than 1000 tasks', 503: 'no broker' },
    },
    handle: ({ json }, context) => revokeMany(json, context),
  },
  {
    method: 'GET',
    path: '/api/v1/tasks/:id',
    access: 'read',
    doc: {
      summary: 'One task: {task, timeline, backend: {meta, error}}, the meta as the result backend stores it (result, PROGRESS meta, result_extended fields)',
      tags: TAGS,
      responses: { 200: 'the task', 400: 'not a task id', 404: 'neither Pollen nor the result backend knows the task', 503: 'Pollen holds no events for the task and the result backend cannot be read (code backend_unavailable)' },
    },
    handle: checkTaskId(({ params }, { store, backend, settlement, redactor }) => getTaskDetail(store, backend, params['id'] ?? '', settlement && ((meta) => settlement.settleStored(meta)), redactor)),
  },
  {
    method: 'GET',
    path: '/api/v1/tasks/:id/workflow',
    access: 'read',
    doc: {
      summary: "The workflow around a task: {root, nodes: [{id, name, state, known, retries}], edges: [{from, to, kind: 'child' | 'retry' | 'group' | 'chord'}], truncated}; a client's group or chord header, known from the result backend's group_id, is a node {id: group id, kind: 'group'} above its tasks",
      tags: TAGS,
      responses: { 200: 'the graph', 400: 'not a task id', 404: 'unknown task' },
    },
    handle: checkTaskId(async ({ params }, { store, backend }) => {
      const id = params['id'] ?? '';
      const source = await workflowSource(store, id);
      const graph = workflowOf(source, id, source);
      if (graph === null) return apiError(404, `Unknown task '${id}'`);
      // A client's group or chord header has no parent: its members and the chord body come from the backend.
      const group = await groupOfRoot(store, backend, graph.root);
      if (group === null) return { status: 200, body: graph };
      // The group's members (and the chord body after them) are read too, from history where they are only there.
      const grouped = await workflowSource(store, id, group);
      return { status: 200, body: workflowOf(grouped, id, grouped, MAX_WORKFLOW_NODES, group) };
    }),
  },
  {
    method: 'POST',
    path: '/api/v1/tasks/:id/retry',
    access: 'control',
    doc: {
      summary: 'Re-sends a FAILURE or REVOKED task under a new id with its original name, args, kwargs and queue: {"task-id": "<new id>"}',
      description:
        "Args and kwargs come from the result backend when the workers store result_extended, otherwise from the events' reprs when they read back exactly; otherwise 409 says why. The new task carries the header pollen_retry_of. eta, expires, link callbacks and chain steps are not carried over.",
      tags: TAGS,
      query: retryBody,
      body: retryBody,
      responses: { 200: 'sent', 400: 'not a task id, or bad parameter', 404: 'unknown task', 409: 'not FAILURE or REVOKED, already retried, or its call or queue is not known faithfully (the reason says which)', 503: 'no broker' },
    },
    handle: checkTaskId(({ params, fields }, context) => retryOne(params['id'] ?? '', fields, context)),
  },
];
