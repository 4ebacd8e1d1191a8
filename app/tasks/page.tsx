import { Suspense } from 'react';
import { TasksView } from '@/components/tasks/tasks-view';

export const metadata = { title: 'Tasks · Pollen' };

// The view reads its filters from the query string, which only exists in the browser: Suspense lets the
// rest of the page render ahead of it.
export default function TasksPage() {
  return (
    <Suspense fallback={<p className="muted">Loading tasks…</p>}>
      <TasksView />
    </Suspense>
  );
}
