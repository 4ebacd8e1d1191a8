/** Flower's read endpoints and probes (FLOWER-API.md §2.1–2.3), as route table entries. */
import type { Route } from '../http/route-types';
import { getQueueLengths } from './flower-queues';
import { getTaskInfo, getTasks, getTaskTypes, getWorkers } from './flower-read';

export const FLOWER_READ_ROUTES: readonly Route[] = [
  // Flower's liveness probe: plain "OK" (load balancers and k8s probes compare the text).
  { method: 'GET', path: '/healthcheck', access: 'public', handle: () => ({ status: 200, body: 'OK' }) },
  { method: 'GET', path: '/api/workers', access: 'read', handle: ({ query }, { state, inspect }) => getWorkers(state, inspect, query, Date.now()) },
  { method: 'GET', path: '/api/tasks', access: 'read', handle: ({ query }, { state }) => getTasks(state, query) },
  { method: 'GET', path: '/api/task/info/:id', access: 'read', handle: ({ params }, { state }) => getTaskInfo(state, params['id'] ?? '') },
  { method: 'GET', path: '/api/task/types', access: 'read', handle: (_, { state }) => getTaskTypes(state) },
  {
    method: 'GET',
    path: '/api/queues/length',
    access: 'read',
    handle: (_, { collector, inspect, state }) => getQueueLengths(collector?.transport ?? null, inspect, state.onlineWorkers(Date.now() / 1000)),
  },
];
