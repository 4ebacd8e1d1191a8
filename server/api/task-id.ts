/**
 * A task id as the API takes it, in a path (`:id`), a body (`ids`, `task_id`) or a form: 1 to 255
 * characters. Celery's ids are 36-character UUIDs and its result backends' columns stop at 255; a longer
 * id is no task, only a way to make the result backend hold keys of any size (one request of 200 KB made
 * a 200 KB Redis key). Checked once at the edge, then trusted.
 */
import { z } from 'zod';
import type { Route } from '../http/route-types';
import { badRequest } from './api-error';

export const MAX_TASK_ID_LENGTH = 255;

export const taskIdParam = z
  .string({ error: 'expected a task id' })
  .min(1, 'must not be empty')
  .max(MAX_TASK_ID_LENGTH, `a task id is at most ${MAX_TASK_ID_LENGTH} characters`);

/** A route's handler behind the check of its `:id`: a bad id is answered 400 and never reaches it. */
export function checkTaskId(handle: Route['handle']): Route['handle'] {
  return (request, context) => {
    const id = z.object({ id: taskIdParam }).safeParse({ id: request.params['id'] });
    return id.success ? handle(request, context) : badRequest(id.error);
  };
}
