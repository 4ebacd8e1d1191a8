/**
 * The one process on :5555: a Node HTTP server that answers Pollen's own routes (routes.ts), carries
 * Socket.IO, and hands every other request to Next.js (the dashboard pages in app/).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import next from 'next';
import type { ServerInfo } from '@/lib/push/contract';
import type { ServerConfig } from '../config';
import type { Logger } from '@/lib/runtime/logger';
import { attachPush, type PushServer } from '../push/socket-server';
import { PACKAGE_DIR, VERSION } from '@/lib/runtime/version';
import { ensureNextBuild } from './next-build';
import { matchRoute, type RouteContext } from './routes';
import { createTransport } from '@/lib/broker';
import { PidboxClient } from '@/lib/control';
import { Collector } from '../collector/collector';
import { InspectCache } from '../control/inspect-cache';
import { ClusterState } from '../state/cluster-state';

/** How long an inspect waits for replies (Flower's --inspect-timeout default, 1 s). */
const INSPECT_TIMEOUT_MS = 1000;

export interface PollenServer {
  readonly http: Server;
  readonly io: PushServer;
  /** Where the server listens, e.g. `http://127.0.0.1:5555`. */
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export async function startServer(config: ServerConfig, log: Logger): Promise<PollenServer> {
  if (!config.dev) await ensureNextBuild(PACKAGE_DIR, log);
  const hostname = config.address === '' ? '0.0.0.0' : config.address;
  const app = next({ dev: config.dev, dir: PACKAGE_DIR, hostname, port: config.port, quiet: true });
  await app.prepare();
  const handleNext = app.getRequestHandler();
  const info: ServerInfo = { name: 'pollen', version: VERSION, broker: config.broker?.display ?? null, startedAt: Date.now() };
  const state = new ClusterState({ maxTasks: config.maxTasks, purgeOfflineAfter: config.purgeOfflineWorkers });
  const collector = config.broker
    ? new Collector(createTransport(config.broker), state, { enableEvents: config.enableEvents }, log.child({ scope: 'collector' }))
    : null;
  await collector?.start();
  const pidbox = collector ? new PidboxClient(collector.transport) : null;
  const inspect = pidbox ? new InspectCache(pidbox, { timeoutMs: INSPECT_TIMEOUT_MS, onError: (method, err) => log.debug({ method, err }, 'inspect failed') }) : null;
  // Filled at start, as Flower's is; later pages get it with its age and refresh it behind them.
  inspect?.refreshInBackground();
  const context: RouteContext = { info, state, collector, inspect };
  const httpLog = log.child({ scope: 'http' });

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://pollen.invalid');
    const match = matchRoute(req.method ?? 'GET', url.pathname);
    if (match === null) {
      handleNext(req, res).catch((err: unknown) => {
        httpLog.error({ err, path: url.pathname }, 'page failed');
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
      });
      return;
    }
    if ('status' in match) {
      send(res, match.status, { error: match.status === 404 ? `no such endpoint: ${url.pathname}` : `method ${req.method} not allowed on ${url.pathname}` });
      return;
    }
    const route = match.route;
    void (async () => {
      try {
        const response = await route.handle({ params: match.params, query: url.searchParams }, context);
        send(res, response.status, response.body);
      } catch (err) {
        httpLog.error({ err, path: url.pathname }, 'handler failed');
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
      }
    })();
  });
  const io = attachPush(http, info);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, hostname, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const shownHost = hostname === '0.0.0.0' ? 'localhost' : hostname;
  const url = `http://${shownHost}:${config.port}`;

  return {
    http,
    io,
    url,
    async close() {
      await pidbox?.close().catch(() => undefined);
      await collector?.stop();
      // Closes every socket and then the HTTP server itself.
      await io.close();
      await app.close();
    },
  };
}
