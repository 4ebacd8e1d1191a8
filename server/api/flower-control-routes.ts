/** Flower's control endpoints (FLOWER-API.md §2.1–2.2): workers, revoke, rate-limit, timeout, abort. */
import type { Route } from '../http/route-types';
import {
  abortTask,
  addConsumer,
  autoscalePool,
  autoscaleQuery,
  cancelConsumer,
  consumerQuery,
  growPool,
  poolResizeQuery,
  rateLimitQuery,
  restartPool,
  revokeQuery,
  revokeTask,
  setRateLimit,
  setTimeLimits,
  shrinkPool,
  shutdownWorker,
  timeoutQuery,
} from './flower-control';
import { checkTaskId } from './task-id';

const tags = ['flower'];

/** What every command to one worker may answer. */
const WORKER_ANSWERS = {
  200: '{"message": ...} with Flower\'s text',
  400: 'a parameter is missing or malformed (named in the error)',
  403: "the worker refused: Flower's plain-text reason",
  404: 'unknown worker',
  503: 'no broker, or the broker could not be reached',
  504: 'the worker did not answer within --inspect-timeout',
} as const;

export const FLOWER_CONTROL_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/worker/shutdown/:workername',
    access: 'control',
    doc: { summary: 'Shut a worker down (a broadcast without reply): {"message": "Shutting down!"}', tags, responses: { 200: 'sent', 404: 'unknown worker', 503: WORKER_ANSWERS[503] } },
    handle: shutdownWorker,
  },
  {
    method: 'POST',
    path: '/api/worker/pool/restart/:workername',
    access: 'control',
    doc: { summary: "Restart a worker's pool (needs worker_pool_restarts on the worker)", tags, responses: WORKER_ANSWERS },
    handle: restartPool,
  },
  {
    method: 'POST',
    path: '/api/worker/pool/grow/:workername',
    access: 'control',
    doc: { summary: "Grow a worker's pool by n processes (prefork; a solo pool refuses)", tags, query: poolResizeQuery, responses: WORKER_ANSWERS },
    handle: growPool,
  },
  {
    method: 'POST',
    path: '/api/worker/pool/shrink/:workername',
    access: 'control',
    doc: { summary: "Shrink a worker's pool by n processes", tags, query: poolResizeQuery, responses: WORKER_ANSWERS },
    handle: shrinkPool,
  },
  {
    method: 'POST',
    path: '/api/worker/pool/autoscale/:workername',
    access: 'control',
    doc: { summary: "Set a worker's autoscale range (the worker must run with --autoscale)", tags, query: autoscaleQuery, responses: WORKER_ANSWERS },
    handle: autoscalePool,
  },
  {
    method: 'POST',
    path: '/api/worker/queue/add-consumer/:workername',
    access: 'control',
    doc: { summary: 'Make a worker consume from one more queue', tags, query: consumerQuery, responses: WORKER_ANSWERS },
    handle: addConsumer,
  },
  {
    method: 'POST',
    path: '/api/worker/queue/cancel-consumer/:workername',
    access: 'control',
    doc: { summary: 'Make a worker stop consuming from a queue', tags, query: consumerQuery, responses: WORKER_ANSWERS },
    handle: cancelConsumer,
  },
  {
    method: 'POST',
    path: '/api/task/revoke/:id',
    access: 'control',
    doc: {
      summary: 'Revoke a task on every worker; with terminate, stop it if it runs (a broadcast without reply)',
      tags,
      query: revokeQuery,
      responses: { 200: '{"message": "Revoked \'<id>\'"}', 400: 'not a task id, or bad terminate or signal', 503: WORKER_ANSWERS[503] },
    },
    handle: checkTaskId(revokeTask),
  },
  {
    method: 'POST',
    path: '/api/task/rate-limit/:taskname',
    access: 'control',
    doc: {
      summary: "Set a task's rate limit on one worker; its registered list then shows [rate_limit=...]",
      tags,
      query: rateLimitQuery,
      responses: { ...WORKER_ANSWERS, 404: 'unknown worker, or a task the worker does not know' },
    },
    handle: setRateLimit,
  },
  {
    method: 'POST',
    path: '/api/task/timeout/:taskname',
    access: 'control',
    doc: {
      summary: "Set a task's soft and hard time limits on one worker (an absent one is lifted)",
      tags,
      query: timeoutQuery,
      responses: { ...WORKER_ANSWERS, 404: 'unknown worker, or a task the worker does not know' },
    },
    handle: setTimeLimits,
  },
  {
    method: 'POST',
    path: '/api/task/abort/:id',
    access: 'control',
    doc: {
      summary: "Abort a task that is not ready (Celery's AbortableAsyncResult.abort(): stores ABORTED, which an AbortableTask sees with is_aborted())",
      tags,
      responses: { 200: '{"message": "Aborted \'<id>\'"}', 400: 'not a task id', 409: 'the task is already ready (SUCCESS, FAILURE, REVOKED): its result is kept', 503: 'no result backend, or it could not be reached (code backend_unavailable)' },
    },
    handle: checkTaskId(abortTask),
  },
];
