/** What a finished task sends next, as Celery's trace does: link callbacks and the next chain step, or errbacks. */
import type { JsonValue } from '@/lib/celery';
import type { Request } from '../execution/request';
import { applySignature } from './apply-signature';
import type { Producer } from './producer';

/** On success: each callback gets the result as first argument; the chain's next step gets it and the rest. Returns the children's ids. */
export async function applyFollowUps(producer: Producer, request: Request, value: JsonValue): Promise<string[]> {
  const m = request.message;
  const lineage = { parentId: m.id, rootId: m.rootId ?? m.id, priority: m.properties.priority };
  const children: string[] = [];
  for (const callback of m.callbacks ?? []) children.push(await applySignature(producer, callback, { ...lineage, args: [value] }));
  const chain = m.chain ? [...m.chain] : [];
  const next = chain.pop();
  if (next) children.push(await applySignature(producer, next, { ...lineage, args: [value], chain }));
  return children;
}

/** On failure: each errback is sent as a task with the failed task's id as first argument (Celery's old-style errbacks). */
export async function failFollowUps(producer: Producer, request: Request): Promise<void> {
  const m = request.message;
  for (const errback of m.errbacks ?? []) {
    await applySignature(producer, errback, { args: [m.id], parentId: m.id, rootId: m.rootId ?? m.id });
  }
}
