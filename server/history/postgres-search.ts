/**
 * A task search (lib/search) compiled to PostgreSQL, with the semantics of matchesTask (search-match.ts):
 * every term is a case-insensitive substring of its field(s), `state:` the whole state ignoring case,
 * `result:` the result or the exception, free text any of uuid, name, state, worker, args, kwargs, result
 * and exception. A field is case-folded by the schema's FOLD_FUNCTION, JavaScript's lower-casing through
 * ICU, and the needle is the parser's, lower-cased by JavaScript: `strpos` then compares them exactly,
 * with no pattern characters to escape.
 *
 * Indexes: a term of three characters or more also asks the trigram index (TEXT_FUNCTION's folded text of
 * every free-text column) for rows holding it anywhere, which the exact test then confirms per column.
 * States, names and workers are few: a term on one of them alone is answered from the keys the counts
 * keep (`= ANY(ARRAY(...))`, which the (cluster, field, seq) indexes serve, even for one character), and
 * is exact on its own, since every stored task's key is counted. (Free text does not take this way: the
 * planner cannot know how many rows such an array selects, and would read the cluster whole.)
 *
 * Where PostgreSQL can answer differently from memory:
 * - `kwargs:key=value` looks for the term's `fallback` texts (`'key': value`) in the kwargs repr, followed
 *   by `,`, `}` or the end (holdsPairText), where memory parses the repr into its top-level pairs. So a
 *   pair nested in a value (`{'a': {'key': 1}}`) or written inside a string matches here and not in
 *   memory; a key or text value Python prints in double quotes (`{"it's": 1}`, `{'k': "it's"}`) matches
 *   in memory and not here. Memory reads the repr's numbers as JavaScript numbers, so `{'n': 10.0}`
 *   matches `kwargs:n=10` there and not here (`kwargs:n=10.0` matches on both). A repr memory cannot
 *   parse is searched the same way on both sides.
 * - `state:`, `name:` and `worker:` trust the counts the triggers keep: counts changed by hand (a
 *   TRUNCATE of task_counts) would hide tasks from them.
 * - pg_trgm reads only letters and digits of the database's locale (ASCII only under LC_CTYPE=C): a term
 *   of other characters is still answered exactly, but from the whole index rather than its trigrams.
 * - Case folding: ICU's root locale and the JavaScript engine may stand on different Unicode versions,
 *   and a PostgreSQL built without ICU folds with lower() under the database's locale (only ASCII under
 *   LC_CTYPE=C). memory also finds a needle in the unfolded text, which differs from the folded only for
 *   characters whose lower case is not a fixed point of lower-casing.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { KwargTerm, SearchNode } from '@/lib/search/search-query';
import { FOLD_FUNCTION, TEXT_COLUMNS, TEXT_FUNCTION } from './postgres-schema';

type Condition = RawBuilder<SqlBool>;
type TaskText = (typeof TEXT_COLUMNS)[number];

/** Shorter needles have no trigram of their own: the index would be read whole for them. */
const MIN_TRIGRAM = 3;

const fold = (column: string) => sql`${sql.raw(FOLD_FUNCTION)}(${sql.ref(column)})`;
const contains = (column: string, needle: string): Condition => sql<SqlBool>`strpos(${fold(column)}, ${needle}) > 0`;
const anyOf = (conditions: readonly Condition[]): Condition => sql<SqlBool>`(${sql.join(conditions, sql` OR `)})`;
const allOf = (conditions: readonly Condition[]): Condition => sql<SqlBool>`(${sql.join(conditions, sql` AND `)})`;

const TASK_TEXT = sql`${sql.raw(TEXT_FUNCTION)}(${sql.join(TEXT_COLUMNS.map((c) => sql.ref(c)))})`;

/** Whether pg_trgm finds trigrams in `text` to look up (it reads letters and digits only). */
const indexable = (text: string) => text.length >= MIN_TRIGRAM && /[\p{L}\p{N}]/u.test(text);

/** LIKE's wildcards and its escape character (backslash, the default) taken literally. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** Rows whose searchable text holds `text` somewhere: the trigram index's part, a superset. */
const textHolds = (text: string): Condition => sql<SqlBool>`${TASK_TEXT} LIKE ${`%${likeLiteral(text)}%`}`;

/** `text` in one of `columns`, with the trigram index's narrowing when the needle has trigrams. */
function inColumns(columns: readonly TaskText[], needle: string): Condition {
  const exact = columns.length === 1 ? contains(columns[0] as TaskText, needle) : anyOf(columns.map((c) => contains(c, needle)));
  return indexable(needle) ? allOf([textHolds(needle), exact]) : exact;
}

/** Tasks whose `field` is one of the counted keys for which `keyMatches` holds. */
function keyAmong(field: 'state' | 'name' | 'worker', keyMatches: Condition): Condition {
  return sql<SqlBool>`${sql.ref(field)} = ANY (ARRAY(SELECT c.key FROM task_counts c WHERE c.field = ${field} AND c.n > 0 AND ${keyMatches}))`;
}

/** An ARE regular expression matching `text` literally (a backslash before a non-alphanumeric is that character). */
const regexLiteral = (text: string) => text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

function commonPrefix(texts: readonly string[]): string {
  let prefix = texts[0] ?? '';
  for (const text of texts) while (!text.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** `kwargs:key=value` as holdsPairText over the folded repr: a fallback text, then `,`, `}` or the end. */
function kwargCondition(term: KwargTerm): Condition {
  const pattern = `(?:${term.fallback.map(regexLiteral).join('|')})(?:[,}]|$)`;
  const exact = sql<SqlBool>`${fold('kwargs')} ~ ${pattern}`;
  // Every fallback text starts `'key': `: rows holding that are the index's superset.
  const prefix = commonPrefix(term.fallback);
  return indexable(prefix) ? allOf([textHolds(prefix), exact]) : exact;
}

export function postgresSearchCondition(node: SearchNode): Condition {
  switch (node.kind) {
    case 'and':
      return allOf(node.children.map(postgresSearchCondition));
    case 'or':
      return anyOf(node.children.map(postgresSearchCondition));
    case 'state':
      return keyAmong('state', sql<SqlBool>`${fold('c.key')} = ${node.needle}`);
    case 'kwarg':
      return kwargCondition(node);
    case 'text':
      switch (node.field) {
        case null:
          return inColumns(TEXT_COLUMNS, node.needle);
        case 'name':
        case 'worker':
          return keyAmong(node.field, contains('c.key', node.needle));
        case 'result':
          return inColumns(['result', 'exception'], node.needle);
        default:
          return inColumns([node.field], node.needle);
      }
  }
}
