import { ServerStatus } from '@/components/server/server-status';

// The overview page. Until the collector feeds it, it shows the live link to the Pollen server.
export default function OverviewPage() {
  return (
    <main>
      <h1>
        <span>Pollen</span> for Celery
      </h1>
      <p className="lead">Live monitoring and control for Celery clusters.</p>
      <ServerStatus />
    </main>
  );
}
