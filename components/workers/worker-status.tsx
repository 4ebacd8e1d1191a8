/** Online or offline, as Celery judges it from heartbeats (the server decides; the page shows). */
export function WorkerStatus({ alive, testId = 'worker-status' }: { alive: boolean; testId?: string }) {
  return (
    <span className={`badge ${alive ? 'status-ok' : 'status-bad'}`} data-testid={testId} data-alive={alive}>
      {alive ? 'online' : 'offline'}
    </span>
  );
}
