/**
 * Evaluates a parsed search (search-query.ts) against one task. Each field is lower-cased at most once
 * per task and only when a term looks at it; needles were lower-cased by the parser; kwargs reprs are
 * parsed once per task and kept until they change (search-kwargs.ts). Nothing is compiled per task.
 */
import { holdsPairText, kwargsPairs } from './search-kwargs';
import type { KwargTerm, SearchNode, SearchQuery } from './search-query';

/** The fields a search reads: the server's TaskRecord, a row in the browser, or any object with them. */
export interface SearchableTask {
  readonly uuid: string;
  readonly name: string | null;
  readonly state: string;
  readonly worker: string | null;
  readonly args: string | null;
  readonly kwargs: string | null;
  readonly result: string | null;
  readonly exception: string | null;
}

type TextField = 'uuid' | 'name' | 'state' | 'worker' | 'args' | 'kwargs' | 'result' | 'exception';

/** What free text searches, as Flower (uuid, name, state, worker, args, kwargs, result) plus the exception. */
const FREE_TEXT: readonly TextField[] = ['uuid', 'name', 'state', 'worker', 'args', 'kwargs', 'result', 'exception'];

/** What String.prototype.toLowerCase could change: A–Z, and any character past ASCII. */
const MAY_LOWER = /[A-Z\u0080-\uffff]/;

/** A task's fields, lower-cased on first use; a missing field is empty and so matches no needle. */
class LowerFields {
  private readonly lower: Partial<Record<TextField, string>> = {};

  constructor(readonly task: SearchableTask) {}

  get(field: TextField): string {
    let text = this.lower[field];
    if (text === undefined) {
      text = (this.task[field] ?? '').toLowerCase();
      this.lower[field] = text;
    }
    return text;
  }

  /**
   * Whether the field, lower-cased, holds `needle` (lower-cased already). Lower-casing leaves a needle's
   * own characters as they are, so the text as sent holding it is enough; and a text with nothing that
   * lower-casing could change (no A–Z, nothing past ASCII) need not be copied to know it does not.
   */
  has(field: TextField, needle: string): boolean {
    const raw = this.task[field] ?? '';
    if (raw.includes(needle)) return true;
    return MAY_LOWER.test(raw) && this.get(field).includes(needle);
  }
}

export function matchesTask(query: SearchQuery, task: SearchableTask): boolean {
  return query.kind === 'all' || evaluate(query, new LowerFields(task));
}

function evaluate(node: SearchNode, fields: LowerFields): boolean {
  switch (node.kind) {
    // kwargs:key=value may parse a repr (the costly step): the other children go first, and often decide.
    case 'and':
      return (
        node.children.every((c) => c.kind === 'kwarg' || evaluate(c, fields)) &&
        node.children.every((c) => c.kind !== 'kwarg' || evaluate(c, fields))
      );
    case 'or':
      return (
        node.children.some((c) => c.kind !== 'kwarg' && evaluate(c, fields)) ||
        node.children.some((c) => c.kind === 'kwarg' && evaluate(c, fields))
      );
    case 'state':
      return fields.get('state') === node.needle;
    case 'kwarg':
      return matchesKwarg(node, fields);
    case 'text':
      switch (node.field) {
        case null:
          return FREE_TEXT.some((field) => fields.has(field, node.needle));
        case 'result':
          return fields.has('result', node.needle) || fields.has('exception', node.needle);
        default:
          return fields.has(node.field, node.needle);
      }
  }
}

function matchesKwarg(term: KwargTerm, fields: LowerFields): boolean {
  const kwargs = fields.task.kwargs;
  if (kwargs === null) return false;
  const pairs = kwargsPairs(fields.task, kwargs);
  if (pairs !== null) return term.pairs.some((pair) => pairs.has(pair));
  const text = fields.get('kwargs');
  return term.fallback.some((needle) => holdsPairText(text, needle));
}
