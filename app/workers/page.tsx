import type { Metadata } from 'next';
import { WorkersList } from '@/components/workers/workers-list';

export const metadata: Metadata = { title: 'Workers' };

export default function WorkersPage() {
  return <WorkersList />;
}
