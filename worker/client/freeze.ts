/**
 * Celery's `freeze()`: gives every task of a canvas its id before anything is sent, so that the client
 * knows which result stands for the canvas (a chain: its last step; a chord: its body; a group: its
 * members, nested groups unrolled) while apply-signature.ts sends it with those ids.
 */
import { randomUUID } from 'node:crypto';
import { isJsonObject, type JsonValue, type Signature, signatureTaskId, signatureToJson } from '@/lib/celery';
import { unrollGroups, withOptions } from '../canvas/apply-signature';
import { readSignature } from '../canvas/signature-json';

export type ResultShape =
  | { readonly kind: 'task'; readonly id: string }
  | { readonly kind: 'group'; readonly id: string; readonly members: readonly ResultShape[] };

export interface Frozen {
  readonly sig: Signature;
  readonly result: ResultShape;
}

export function freeze(sig: Signature): Frozen {
  const tasks = sig.kwargs['tasks'];
  if (sig.task === 'celery.chain' && Array.isArray(tasks)) return freezeChain(sig, tasks.map(readSignature));
  if (sig.task === 'celery.group' && Array.isArray(tasks)) return freezeGroup(sig, tasks.map(readSignature));
  if (sig.task === 'celery.chord') return freezeChord(sig);
  const id = signatureTaskId(sig) ?? randomUUID();
  return { sig: withOptions(sig, { task_id: id }), result: { kind: 'task', id } };
}

function freezeChain(sig: Signature, steps: Signature[]): Frozen {
  if (steps.length === 0) throw new Error('an empty chain cannot be sent');
  // chain(task_id=...) names the last step, as in Celery.
  const chainId = signatureTaskId(sig);
  const lastIndex = steps.length - 1;
  if (chainId !== null && signatureTaskId(steps[lastIndex] as Signature) === null) steps[lastIndex] = withOptions(steps[lastIndex] as Signature, { task_id: chainId });
  const frozen = steps.map(freeze);
  const rest: Record<string, JsonValue> = { ...sig.options };
  delete rest['task_id'];
  return {
    sig: { ...sig, options: rest, kwargs: { ...sig.kwargs, tasks: frozen.map((f) => signatureToJson(f.sig)) } },
    result: (frozen[lastIndex] as Frozen).result,
  };
}

function freezeGroup(sig: Signature, members: Signature[]): Frozen {
  const id = signatureTaskId(sig) ?? (typeof sig.options['group_id'] === 'string' ? sig.options['group_id'] : null) ?? randomUUID();
  const frozen = unrollGroups(members).map(freeze);
  return {
    sig: { ...withOptions(sig, { task_id: id }), kwargs: { ...sig.kwargs, tasks: frozen.map((f) => signatureToJson(f.sig)) } },
    result: { kind: 'group', id, members: frozen.map((f) => f.result) },
  };
}

function freezeChord(sig: Signature): Frozen {
  const header = sig.kwargs['header'];
  const headerTasks = Array.isArray(header) ? header : isJsonObject(header) && isJsonObject(header['kwargs']) && Array.isArray(header['kwargs']['tasks']) ? header['kwargs']['tasks'] : null;
  const frozenHeader = headerTasks ? unrollGroups(headerTasks.map(readSignature)).map((h) => signatureToJson(freeze(h).sig)) : header ?? [];
  let body = readSignature(sig.kwargs['body']);
  // chord(..., task_id=...) names the body (unless the body has an id of its own).
  const chordId = signatureTaskId(sig);
  if (chordId !== null && signatureTaskId(body) === null) body = withOptions(body, { task_id: chordId });
  const frozenBody = freeze(body);
  const rest: Record<string, JsonValue> = { ...sig.options };
  delete rest['task_id'];
  const newHeader: JsonValue = isJsonObject(header) ? { ...header, kwargs: { ...(header['kwargs'] as object), tasks: frozenHeader } } : frozenHeader;
  return {
    sig: { ...sig, options: rest, kwargs: { ...sig.kwargs, header: newHeader, body: signatureToJson(frozenBody.sig) } },
    result: frozenBody.result,
  };
}
