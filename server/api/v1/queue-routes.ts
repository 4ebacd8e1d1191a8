/** /api/v1 queue lengths now and over time. */
import type { Route } from '../../http/route-types';
import { getQueueHistory, getQueues, queueHistoryQuery, queuesQuery } from './queue-read';

export const V1_QUEUE_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/queues',
    access: 'read',
    doc: {
      summary: 'Every known queue (the workers\' active queues, the default queue, queues named in task-sent events) with its length now',
      description:
        'messages: waiting (ready) messages. Redis: priorities gives each kombu priority list (steps 0, 3, 6, 9). ' +
        'RabbitMQ: consumers from a passive declare, or from the management API with --broker-api (then also unacked); ' +
        'warning says why the management API was not used. workers: the workers that consume the queue.',
      tags: ['queues'],
      query: queuesQuery,
      responses: { 200: '{source, warning, sampledAt, queues: [{name, messages, unacked, consumers, priorities, exists, workers, origins}]}', 503: 'no broker, or the broker did not answer' },
    },
    handle: ({ query }, context) => getQueues(context.queues, context.inspect, query),
  },
  {
    method: 'GET',
    path: '/api/v1/queues/history',
    access: 'read',
    doc: {
      summary: 'Queue lengths over time, sampled every 5 s: 5 s points for 15m and 1h, 1 min points (last and max of the minute) for 24h',
      description: 'A slot without a reading (broker down) has no point. queue limits the answer to one queue.',
      tags: ['queues'],
      query: queueHistoryQuery,
      responses: { 200: '{range, step, from, to, queues: [{name, points: [{t, messages, max}]}]}, times in epoch ms', 400: 'bad range', 503: 'no broker' },
    },
    handle: ({ query }, context) => getQueueHistory(context.queues, query, Date.now()),
  },
];
