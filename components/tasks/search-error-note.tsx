/**
 * A search the server could not parse, shown under the search box: its message, and the search with the
 * character at fault marked and a caret under it. A long search is cut around the fault so that the
 * marker stays on screen.
 */
import styles from './tasks.module.css';

/** Characters kept on each side of the fault. */
const CONTEXT = 32;

export const SEARCH_ERROR_ID = 'tasks-search-error';

export function SearchErrorNote({ message, text, position, keptRows }: { message: string; text: string; position: number; keptRows: boolean }) {
  const at = Math.min(Math.max(position, 0), text.length);
  const from = Math.max(0, at - CONTEXT);
  const to = Math.min(text.length, at + 1 + CONTEXT);
  const lead = from > 0 ? '…' : '';
  const before = text.slice(from, at);
  // A fault at the end (an unclosed group, a dangling OR) points just past the last character.
  const fault = at < text.length ? text.slice(at, at + 1) : ' ';
  const after = text.slice(at + 1, to);
  const trail = to < text.length ? '…' : '';
  return (
    <div id={SEARCH_ERROR_ID} className={styles.searchError} role="alert" data-testid="tasks-search-error">
      <p>
        {message}
        {keptRows && <span className={styles.searchErrorKept}> The list still shows the previous results.</span>}
      </p>
      <pre className={styles.searchMarker} data-testid="tasks-search-marker">
        {lead}
        {before}
        <mark data-testid="tasks-search-fault">{fault}</mark>
        {after}
        {trail}
        {'\n'}
        <span aria-hidden="true">{`${' '.repeat(lead.length + before.length)}^`}</span>
      </pre>
    </div>
  );
}
