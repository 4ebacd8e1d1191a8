/** Flower's read endpoints and probes (FLOWER-API.md §2.1–2.3), as route table entries. */
import type { Route } from '../http/route-types';
import { checkTaskId } from './task-id';
import { getQueueLengths } from './flower-queues';
import { getTaskInfo, getTasks, getTaskTypes, getWorkers, tasksQuery, workersQuery } from './flower-read';

export const FLOWER_READ_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/healthcheck',
    access: 'public',
    doc: { summary: "Liveness probe: plain text 'OK' (Flower's)", tags: ['flower'] },
    // Load balancers and k8s probes compare the text.
    handle: () => ({ status: 200, body: 'OK' }),
  },
  {
    method: 'GET',
    path: '/api/workers',
    access: 'read',
    doc: {
      summary: "Workers with their cached inspect replies and each reply's age (Flower's shape)",
      tags: ['flower'],
      query: workersQuery,
      responses: { 200: 'map of worker name to its inspect replies, or to a bool with status=true', 404: 'unknown workername', 503: 'refresh failed' },
    },
    handle: ({ query }, { store, inspect }) => getWorkers(store, inspect, query, Date.now()),
  },
  {
    method: 'GET',
    path: '/api/tasks',
    access: 'read',
    heavy: true,
    doc: {
      summary: 'Tasks as an ordered map of uuid to task (Flower\'s shape), filtered, sorted and searched',
      description: 'Without `limit` (as in Flower) every task comes back, streamed. A few such requests are served at once and a few more wait their turn; beyond that 503 with Retry-After.',
      tags: ['flower'],
      query: tasksQuery,
      responses: { 200: 'ordered map of uuid to task', 400: 'bad parameter or search', 503: 'too many large requests at once; retry after Retry-After seconds' },
    },
    handle: ({ query }, { store }) => getTasks(store, query),
  },
  {
    method: 'GET',
    path: '/api/task/info/:id',
    access: 'read',
    doc: { summary: 'One task with every field the events gave', tags: ['flower'], responses: { 200: 'the task', 400: 'not a task id', 404: 'unknown task' } },
    handle: checkTaskId(({ params }, { store }) => getTaskInfo(store, params['id'] ?? '')),
  },
  {
    method: 'GET',
    path: '/api/task/types',
    access: 'read',
    doc: { summary: 'Task names seen in events: {"task-types": [...]}', tags: ['flower'] },
    handle: (_, { store }) => getTaskTypes(store),
  },
  {
    method: 'GET',
    path: '/api/queues/length',
    access: 'read',
    doc: { summary: "Messages waiting in each queue the workers consume: {\"active_queues\": [{\"name\", \"messages\"}]}, or the management API's queue objects with --broker-api", tags: ['flower'], responses: { 200: 'queue lengths', 503: 'no broker' } },
    handle: (_, { queues, inspect, store }) => getQueueLengths(queues?.reader ?? null, inspect, store.onlineWorkers(Date.now() / 1000)),
  },
];
