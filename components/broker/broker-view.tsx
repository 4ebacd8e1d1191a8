'use client';
/**
 * The Broker page (Flower's /broker): where Pollen reads events and queues from, whether the link is
 * up, and the queues with their lengths now.
 */
import { useQuery } from '@tanstack/react-query';
import type { BrokerLink, ServerInfo } from '@/lib/push/contract';
import { fetchJson } from '../api/api-client';
import { formatAgo } from '../format/format-values';
import { useTimeFormat } from '../format/use-time-format';
import { useServerLink } from '../live/live-hooks';
import { QueuesNowCard } from '../queues/queues-now-card';
import { QUEUES_INTERVAL_MS } from '../queues/use-queues';

interface HealthJson {
  readonly broker: BrokerLink | null;
  readonly ingest: { readonly eventsTotal?: number; readonly eventsPerSecond?: number } | null;
}

const TRANSPORTS: Readonly<Record<string, string>> = {
  redis: 'Redis',
  rediss: 'Redis over TLS',
  sentinel: 'Redis Sentinel',
  amqp: 'RabbitMQ (AMQP 0-9-1)',
  amqps: 'RabbitMQ (AMQP 0-9-1 over TLS)',
  memory: 'in-process (demo)',
};

export function transportOf(url: string): string {
  const scheme = url.slice(0, Math.max(0, url.indexOf('://'))).toLowerCase();
  return TRANSPORTS[scheme] ?? (scheme === '' ? 'unknown' : scheme);
}

const STATUS_CLASS: Readonly<Record<BrokerLink['status'], string>> = { connected: 'status-ok', connecting: 'status-warn', reconnecting: 'status-bad', closed: 'status-bad' };

function LinkFacts({ link }: { link: BrokerLink }) {
  const format = useTimeFormat();
  return (
    <>
      <dt>Status</dt>
      <dd className={STATUS_CLASS[link.status]} data-testid="broker-status">
        {link.status}
      </dd>
      <dt>Since</dt>
      <dd title={format.dateTime(link.since / 1000)}>{formatAgo(link.since / 1000)}</dd>
      {link.attempts > 0 && (
        <>
          <dt>Reconnection attempts</dt>
          <dd data-testid="broker-attempts">{link.attempts}</dd>
        </>
      )}
      {link.error !== null && (
        <>
          <dt>Last error</dt>
          <dd className="status-bad" data-testid="broker-error">
            {link.error}
          </dd>
        </>
      )}
    </>
  );
}

export function BrokerView() {
  const live = useServerLink();
  const server = useQuery({ queryKey: ['server'], queryFn: ({ signal }) => fetchJson<ServerInfo>('/api/v1/server', {}, signal), staleTime: Infinity });
  const health = useQuery({ queryKey: ['health'], queryFn: ({ signal }) => fetchJson<HealthJson>('/api/v1/health', {}, signal), refetchInterval: QUEUES_INTERVAL_MS });

  const url = live.state === 'connected' ? live.info.broker : (server.data?.broker ?? null);
  const resultBackend = live.state === 'connected' ? live.info.resultBackend : (server.data?.resultBackend ?? null);
  // The socket says at once when the link changes; the health poll covers a page without a live link.
  const link = (live.state === 'connected' ? live.broker : null) ?? health.data?.broker ?? null;
  const known = live.state === 'connected' || server.data !== undefined;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Broker</h1>
          <p>The broker Pollen reads events and queue lengths from.</p>
        </div>
      </div>
      <div className="stack">
        <section className="card" aria-label="Broker">
          {server.error && <p className="status-bad">{server.error.message}</p>}
          {known && url === null ? (
            <p className="empty" data-testid="broker-none">
              No broker configured: start Pollen with <code>--broker URL</code>.
            </p>
          ) : (
            <dl className="facts">
              <dt>URL</dt>
              <dd className="mono" data-testid="broker-url">
                {url ?? '…'}
              </dd>
              <dt>Transport</dt>
              <dd data-testid="broker-transport">{url === null ? '…' : transportOf(url)}</dd>
              {link !== null ? (
                <LinkFacts link={link} />
              ) : (
                <>
                  <dt>Status</dt>
                  <dd className="muted">waiting for the server…</dd>
                </>
              )}
              <dt>Result backend</dt>
              <dd className="mono" data-testid="broker-result-backend">
                {resultBackend ?? 'none (results, abort and retry from stored arguments are off)'}
              </dd>
              {health.data?.ingest?.eventsTotal !== undefined && (
                <>
                  <dt>Events received</dt>
                  <dd data-testid="broker-events">{health.data.ingest.eventsTotal.toLocaleString('en-US')}</dd>
                </>
              )}
            </dl>
          )}
        </section>
        <QueuesNowCard title="Queues" linkToHistory />
      </div>
    </>
  );
}
