/** Signatures inside other signatures' JSON (a chain's steps, a link in options), checked on the way in. */
import { decodeSignature, type JsonValue, type Signature } from '@/lib/celery';

export function readSignature(value: JsonValue | undefined): Signature {
  const sig = decodeSignature(value);
  if (!sig.ok) throw new Error(`not a task signature (${sig.error.path}: ${sig.error.message})`);
  return sig.value;
}
