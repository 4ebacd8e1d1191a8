'use client';
import { useEffect, useState } from 'react';
import type { ServerInfo } from '@/lib/push/contract';
import { getSocket } from '../live/socket';

type Link = { state: 'connecting' } | { state: 'connected'; info: ServerInfo } | { state: 'disconnected'; reason: string };

/** The live link to the Pollen server: shows at a glance whether the page is getting live data. */
export function ServerStatus() {
  const [link, setLink] = useState<Link>({ state: 'connecting' });

  useEffect(() => {
    const socket = getSocket();
    const onConnected = (info: ServerInfo) => setLink({ state: 'connected', info });
    const onDisconnect = (reason: string) => setLink({ state: 'disconnected', reason });
    const onError = (err: Error) => setLink({ state: 'disconnected', reason: err.message });
    socket.on('server:connected', onConnected);
    socket.on('disconnect', onDisconnect);
    socket.on('connect_error', onError);
    return () => {
      socket.off('server:connected', onConnected);
      socket.off('disconnect', onDisconnect);
      socket.off('connect_error', onError);
    };
  }, []);

  return (
    <section className="card" aria-label="Server">
      <dl className="facts">
        <dt>Live link</dt>
        <dd data-testid="server-link" className={link.state === 'connected' ? 'status-ok' : link.state === 'disconnected' ? 'status-bad' : undefined}>
          {link.state === 'connected' ? 'connected' : link.state === 'connecting' ? 'connecting…' : `disconnected (${link.reason})`}
        </dd>
        {link.state === 'connected' && (
          <>
            <dt>Pollen</dt>
            <dd data-testid="server-version">{link.info.version}</dd>
            <dt>Broker</dt>
            <dd data-testid="server-broker">{link.info.broker ?? 'none configured'}</dd>
            <dt>Up since</dt>
            <dd>{new Date(link.info.startedAt).toLocaleString()}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
