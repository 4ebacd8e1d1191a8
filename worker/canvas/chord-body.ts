/**
 * The last header part of a chord sends the body with every part's result, in header order; if a part
 * failed, the body fails with Celery's ChordError instead (and its errbacks run), as Celery's Redis
 * backend does in on_chord_part_return.
 */
import { chordError, type ChordJoin } from '@/lib/backend';
import { type Signature, TaskState } from '@/lib/celery';
import type { Request } from '../execution/request';
import { bareMeta } from '../execution/task-meta';
import { applySignature } from './apply-signature';
import type { Producer } from './producer';
import { readSignature } from './signature-json';

export async function completeChord(producer: Producer, request: Request, join: ChordJoin): Promise<void> {
  const body = request.message.chord as Signature;
  const error = chordError(join);
  if (!error) {
    await applySignature(producer, body, { args: [join.parts.map((p) => p.result)], parentId: request.id, rootId: request.message.rootId });
    return;
  }
  const bodyId = typeof body.options['task_id'] === 'string' ? body.options['task_id'] : null;
  if (bodyId && producer.backend) {
    await producer.backend.store(bareMeta(bodyId, TaskState.Failure, { exception: error }));
  }
  const errbacks = body.options['link_error'];
  for (const errback of Array.isArray(errbacks) ? errbacks : errbacks ? [errbacks] : []) {
    await applySignature(producer, readSignature(errback), { args: [bodyId ?? request.id] });
  }
}
