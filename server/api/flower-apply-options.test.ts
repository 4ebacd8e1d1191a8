import { describe, expect, it } from 'vitest';
import { taskBody, taskCall } from './flower-apply-options';

function call(body: unknown) {
  const parsed = taskBody.safeParse(body);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const made = taskCall(parsed.data, 'celery');
  return made.ok ? made.call : { error: (made.response.body as { error: string }).error };
}

describe('the apply/send-task body', () => {
  it('has args and kwargs, empty by default', () => {
    expect(call({})).toEqual({ args: [], kwargs: {}, options: {} });
    expect(call({ args: [1, 'a'], kwargs: { k: null } })).toEqual({ args: [1, 'a'], kwargs: { k: null }, options: {} });
  });

  it.each([
    [{ countdown: '1.5' }, { countdown: 1.5 }],
    [{ eta: '2026-03-04 05:06:07.890000' }, { eta: '2026-03-04T05:06:07.890000' }],
    [{ eta: '2026-03-04 05:06:07' }, { eta: '2026-03-04T05:06:07' }],
    [{ eta: '2026-03-04T05:06:07.1+0200' }, { eta: '2026-03-04T05:06:07.1+02:00' }],
    [{ eta: '2026-03-04T05:06:07Z' }, { eta: '2026-03-04T05:06:07Z' }],
    [{ expires: 30 }, { expires: 30 }],
    [{ expires: '30.5' }, { expires: 30.5 }],
    [{ expires: '2026-03-04 05:06:07.000000' }, { expires: '2026-03-04T05:06:07.000000' }],
    [{ queue: 'q1', priority: '3' }, { queue: 'q1', priority: 3 }],
    [{ routing_key: 'q2' }, { queue: 'q2' }],
    [{ queue: 'q3', routing_key: 'q3', exchange: 'q3' }, { queue: 'q3' }],
    [{ exchange: '' }, {}],
    [{ exchange: 'celery' }, {}],
    [{ task_id: 'abc', shadow: 'other', ignore_result: 'true' }, { taskId: 'abc', shadow: 'other', ignoreResult: true }],
    [{ time_limit: 10, soft_time_limit: 5 }, { timeLimit: 10, softTimeLimit: 5 }],
    [{ headers: { h: 1 } }, { headers: { h: 1 } }],
    [{ retry: true, retry_policy: { max_retries: 3 }, serializer: 'json', add_to_parent: false }, {}],
  ])('maps %j to the client options %j', (body, options) => {
    expect(call(body)).toEqual({ args: [], kwargs: {}, options });
  });

  it.each([
    [{ args: {} }, /^args: /],
    [{ kwargs: 'x' }, /^kwargs: /],
    [{ countdown: 'soon' }, /^countdown: /],
    [{ eta: '2026-02-30 00:00:00.000000' }, /^eta: /],
    [{ eta: '04/03/2026' }, /^eta: /],
    [{ expires: true }, /^expires: /],
    [{ priority: -1 }, /^priority: /],
    [{ priority: 1.5 }, /^priority: /],
    [{ queue: '' }, /^queue: /],
    [{ headers: [] }, /^headers: /],
    [{ serializer: 'pickle' }, /^serializer: /],
    [{ link: {} }, /^link: not an option/],
    [{ queue: 'a', routing_key: 'b' }, /^routing_key: /],
    [{ queue: 'a', exchange: 'b' }, /^exchange: /],
  ])('refuses %j naming the field', (body, error) => {
    expect(call(body)).toEqual({ error: expect.stringMatching(error) });
  });
});
