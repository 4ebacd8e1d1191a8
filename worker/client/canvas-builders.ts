/**
 * Canvas builders: signatures, chains, groups and chords as the Signature values of lib/celery, laid out
 * exactly as Celery 5.2.6 serialises them (celery/canvas.py), so that they can be sent by this client, put
 * in a link, or handed to Python:
 *
 *   signature  {"task": name, "args": [...], "kwargs": {...}, "options": {...}, "subtask_type": null, "immutable": false}
 *   chain      {"task": "celery.chain", "args": [], "kwargs": {"tasks": [sig, ...]}, "options": {}, "subtask_type": "chain", ...}
 *   group      {"task": "celery.group", "args": [], "kwargs": {"tasks": [sig, ...]}, "options": {}, "subtask_type": "group", ...}
 *   chord      {"task": "celery.chord", "args": [], "kwargs": {"kwargs": {}, "header": [sig, ...], "body": sig}, "options": {}, "subtask_type": "chord", ...}
 *
 * `chain(a, b, c)` combines its parts as Python's `a | b | c` does: nested chains are spliced in, a group
 * followed by a task becomes a chord, and a task after a chord joins the chord's body.
 */
import { type JsonObject, type JsonValue, type Signature, signatureToJson } from '@/lib/celery';
import { readSignature } from '../canvas/signature-json';
import { celeryOptions, type SendOptions } from './send-options';

/** A signature of one task. */
export interface TaskSignature extends Signature {
  readonly subtaskType: null;
}

export interface ChainSignature extends Signature {
  readonly task: 'celery.chain';
  readonly subtaskType: 'chain';
}

export interface GroupSignature extends Signature {
  readonly task: 'celery.group';
  readonly subtaskType: 'group';
}

export interface ChordSignature extends Signature {
  readonly task: 'celery.chord';
  readonly subtaskType: 'chord';
}

/** Celery's `signature(name, args, kwargs, options)` / `task.s(...)`. */
export function signature(name: string, args: readonly JsonValue[] = [], kwargs: JsonObject = {}, options: SendOptions = {}): TaskSignature {
  return { task: name, args: [...args], kwargs: { ...kwargs }, options: celeryOptions(options), subtaskType: null, immutable: false, extra: null };
}

/** An immutable signature (`task.si(...)`): a parent's result is not prepended to its args. */
export function si(name: string, args: readonly JsonValue[] = [], kwargs: JsonObject = {}, options: SendOptions = {}): TaskSignature {
  return { ...signature(name, args, kwargs, options), immutable: true };
}

/** Celery's `group(sig, ...)`: the members run in parallel; its result is the list of theirs. */
export function group(...members: readonly Signature[]): GroupSignature {
  return canvas('celery.group', 'group', { tasks: members.map(signatureToJson) }) as GroupSignature;
}

/** Celery's `chord(header, body)`: the body runs with the list of the header's results. */
export function chord(header: readonly Signature[] | GroupSignature, body: Signature): ChordSignature {
  const tasks = isSignatureList(header) ? header.map(signatureToJson) : (header.kwargs['tasks'] as JsonValue[]);
  return canvas('celery.chord', 'chord', { kwargs: {}, header: [...tasks], body: signatureToJson(body) }) as ChordSignature;
}

/**
 * Celery's `chain(a, b, ...)`: each part runs with the previous result prepended to its args. One part
 * gives a chain of one; several are combined as `a | b | ...` (so `chain(group, task)` is a chord).
 */
export function chain(...parts: readonly Signature[]): Signature {
  if (parts.length === 1) return chainOf([parts[0] as Signature]);
  return parts.reduce<Signature>((left, right) => pipe(left, right), chainOf([]));
}

/** Python's `left | right` between signatures (celery/canvas.py `Signature.__or__` and its overrides). */
export function pipe(left: Signature, right: Signature): Signature {
  if (isKind(left, 'celery.chain')) {
    const tasks = stepsOf(left);
    if (isKind(right, 'celery.group')) {
      const unrolled = unrollSingle(right);
      return tasks.length === 0 ? unrolled : chainOf([...tasks, unrolled]);
    }
    if (isKind(right, 'celery.chain')) return chainOf([...tasks, ...stepsOf(right)]);
    const last = tasks[tasks.length - 1];
    if (last && isKind(last, 'celery.group')) return chainOf([...tasks.slice(0, -1), chord(last as GroupSignature, right)]);
    if (last && isKind(last, 'celery.chord')) return chainOf([...tasks.slice(0, -1), withBody(last, pipe(bodyOf(last), right))]);
    return chainOf([...tasks, right]);
  }
  if (isKind(left, 'celery.group')) return chord(left as GroupSignature, right);
  if (isKind(left, 'celery.chord') && !isKind(right, 'celery.group') && !isKind(right, 'celery.chain')) {
    return withBody(left, pipe(bodyOf(left), right));
  }
  if (isKind(right, 'celery.chain')) return chainOf([left, ...stepsOf(right)]);
  if (isKind(right, 'celery.group')) return chainOf([left, unrollSingle(right)]);
  return chainOf([left, right]);
}

function canvas(task: string, subtaskType: string, kwargs: JsonObject): Signature {
  return { task, args: [], kwargs, options: {}, subtaskType, immutable: false, extra: null };
}

function chainOf(steps: readonly Signature[]): ChainSignature {
  return canvas('celery.chain', 'chain', { tasks: steps.map(signatureToJson) }) as ChainSignature;
}

function isKind(sig: Signature, task: string): boolean {
  return sig.task === task;
}

function stepsOf(sig: Signature): Signature[] {
  const tasks = sig.kwargs['tasks'];
  return Array.isArray(tasks) ? tasks.map(readSignature) : [];
}

function bodyOf(chordSig: Signature): Signature {
  return readSignature(chordSig.kwargs['body']);
}

function withBody(chordSig: Signature, body: Signature): Signature {
  return { ...chordSig, kwargs: { ...chordSig.kwargs, body: signatureToJson(body) } };
}

/** A group of one member is that member (celery/canvas.py `maybe_unroll_group`). */
function unrollSingle(groupSig: Signature): Signature {
  const members = stepsOf(groupSig);
  return members.length === 1 ? (members[0] as Signature) : groupSig;
}

function isSignatureList(value: readonly Signature[] | GroupSignature): value is readonly Signature[] {
  return Array.isArray(value);
}
