/** A task state in its colour (custom states such as PROGRESS are shown neutral). */
const KNOWN = new Set(['PENDING', 'RECEIVED', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED', 'REJECTED']);

export function StateBadge({ state }: { state: string }) {
  const known = KNOWN.has(state) ? state.toLowerCase() : 'custom';
  return (
    <span className={`badge state-${known}`} data-state={state}>
      {state}
    </span>
  );
}
