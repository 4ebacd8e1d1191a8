import type { Metadata } from 'next';
import { TaskPage } from '@/components/task/task-page';

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Task ${decodeURIComponent(id).slice(0, 8)}` };
}

export default async function TaskRoute({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const uuid = decodeURIComponent(id);
  // Keyed by the id: moving to another task's page starts afresh (no dialog or retry link carried over).
  return <TaskPage key={uuid} id={uuid} />;
}
