import type { Metadata } from 'next';
import { WorkerPage } from '@/components/workers/worker-page';

interface Params {
  readonly params: Promise<{ name: string }>;
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { name } = await params;
  return { title: decodeURIComponent(name) };
}

export default async function WorkerRoute({ params }: Params) {
  const { name } = await params;
  return <WorkerPage hostname={decodeURIComponent(name)} />;
}
