/** Flower's apply, async-apply, send-task and result endpoints (FLOWER-API.md §2.2). */
import type { Route } from '../http/route-types';
import { applyBody, applyTask, asyncApplyTask, sendTask } from './flower-apply';
import { taskBody } from './flower-apply-options';
import { getTaskResult, resultQuery } from './flower-task-result';
import { checkTaskId } from './task-id';

const tags = ['flower'];

const SEND_ANSWERS = {
  200: '{"task-id", "state"}; the state only with a result backend',
  400: 'malformed JSON, args, kwargs or option (named in the error)',
  503: 'no broker, or the task could not be sent',
} as const;

export const FLOWER_APPLY_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/task/apply/:taskname',
    access: 'control',
    doc: {
      summary: 'Send a task and wait for it: {"task-id", "result", "state"}, plus "traceback" on FAILURE',
      description: 'JSON body: args, kwargs, and apply_async options. Pollen waits at most `timeout` seconds, then answers 504.',
      tags,
      body: applyBody,
      responses: {
        200: 'the task is ready',
        400: SEND_ANSWERS[400],
        404: 'no worker has registered the task',
        503: 'no broker or no result backend',
        504: '{"error", "task-id", "state"}: the task did not finish within timeout',
      },
    },
    handle: applyTask,
  },
  {
    method: 'POST',
    path: '/api/task/async-apply/:taskname',
    access: 'control',
    doc: {
      summary: 'Send a task a worker has registered: {"task-id", "state"}',
      tags,
      body: taskBody,
      responses: { ...SEND_ANSWERS, 404: 'no worker has registered the task' },
    },
    handle: asyncApplyTask,
  },
  {
    method: 'POST',
    path: '/api/task/send-task/:taskname',
    access: 'control',
    doc: { summary: 'Send a task by name, registered or not: {"task-id", "state"}', tags, body: taskBody, responses: SEND_ANSWERS },
    handle: sendTask,
  },
  {
    method: 'GET',
    path: '/api/task/result/:id',
    access: 'read',
    doc: {
      summary: 'A task\'s state, and once ready its result (and traceback on FAILURE): {"task-id", "state", "result"?, "traceback"?}',
      tags,
      query: resultQuery,
      responses: { 200: 'the state now, or when ready or the timeout ran out', 400: 'not a task id, or bad timeout', 502: 'malformed stored result', 503: 'no result backend' },
    },
    handle: checkTaskId(getTaskResult),
  },
];
