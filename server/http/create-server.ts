/**
 * The one process on :5555: a Node HTTP(S) server that answers Pollen's own routes (routes.ts), carries
 * Socket.IO, and hands every other request to Next.js (the dashboard pages in app/). Everything is
 * served under `--url-prefix` when one is given.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import next from 'next';
import type { ServerConfig } from '../config';
import type { Logger } from '@/lib/runtime/logger';
import { attachPush, type PushServer } from '../push/socket-server';
import { PACKAGE_DIR } from '@/lib/runtime/version';
import { authenticate } from '../auth/request-guard';
import { originDenied } from '../auth/same-origin';
import { ensureNextBuild, writePrefixedTsconfig } from './next-build';
import { handleApiRequest, send } from './api-request';
import { describeListenAddress, type ListenAddress } from './listen-address';
import { parseRequestTarget, refuseRequestTarget, refuseStrayUpgrade } from './request-target';
import { matchRoute } from './routes';
import { securityHeaders } from './security-headers';
import { createServerContext, type ServerContext } from './server-context';

export interface PollenServer {
  readonly http: Server;
  readonly io: PushServer;
  readonly context: ServerContext;
  /** Where to open it, e.g. `http://127.0.0.1:5555/flower` (`localhost` when bound to all interfaces). */
  readonly url: string;
  /** What it is bound to, as the startup line says it. */
  readonly listening: ListenAddress;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Serve the dashboard pages through Next (default). Off: the API and Socket.IO alone (API tests). */
  readonly dashboard?: boolean;
}

type PageHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

async function startDashboard(config: ServerConfig, hostname: string, log: Logger): Promise<{ handle: PageHandler; close: () => Promise<void> }> {
  if (config.dev) writePrefixedTsconfig(PACKAGE_DIR, config.urlPrefix);
  else await ensureNextBuild(PACKAGE_DIR, config.urlPrefix, log);
  const app = next({ dev: config.dev, dir: PACKAGE_DIR, hostname, port: config.port, quiet: true });
  await app.prepare();
  return { handle: app.getRequestHandler(), close: () => app.close() };
}

export async function startServer(config: ServerConfig, log: Logger, options: StartOptions = {}): Promise<PollenServer> {
  const hostname = config.address === '' ? '0.0.0.0' : config.address;
  // The build may set POLLEN_URL_PREFIX for next.config.js; the running Next reads the same.
  process.env['POLLEN_URL_PREFIX'] = config.urlPrefix;
  const dashboard = options.dashboard === false ? null : await startDashboard(config, hostname, log);
  const context = await createServerContext(config, log);
  const httpLog = log.child({ scope: 'http' });
  const prefix = config.urlPrefix;
  const security = securityHeaders(config);

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    security.apply(res);
    const url = parseRequestTarget(req.url);
    if (url === null) {
      refuseRequestTarget(res, req.url);
      return;
    }
    if (prefix !== '' && url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) {
      send(res, 404, { error: `Pollen is served under ${prefix}/` });
      return;
    }
    const pathname = url.pathname.slice(prefix.length) || '/';
    const match = matchRoute(req.method ?? 'GET', pathname);
    if (match !== null) {
      void handleApiRequest(req, res, match, url, context, httpLog);
      return;
    }
    const who = authenticate(config, req.headers);
    if (!who.ok) {
      send(res, who.response.status, who.response.body, who.response.headers);
      return;
    }
    if (dashboard === null) {
      send(res, 404, { error: 'the dashboard is not served by this instance' });
      return;
    }
    security.preparePage(req, res);
    dashboard.handle(req, res).catch((err: unknown) => {
      httpLog.error({ err, path: url.pathname }, 'page failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  };

  const tls = config.certfile !== null && config.keyfile !== null;
  const http: Server = tls
    ? (createHttpsServer({ cert: readFileSync(config.certfile as string), key: readFileSync(config.keyfile as string) }, onRequest) as unknown as Server)
    : createHttpServer(onRequest);
  const io = attachPush(http, context, {
    path: `${prefix}/socket.io`,
    refuse: (headers) => originDenied(config, headers) ?? (authenticate(config, headers).ok ? null : 'authentication required'),
    allowedOrigins: config.allowedOrigins,
    log,
  });
  http.on('upgrade', (req: IncomingMessage, socket) => refuseStrayUpgrade(req, socket, { prefix, hotReload: config.dev }));

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, hostname, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await context.close();
    await dashboard?.close();
    throw err;
  }
  const listening = describeListenAddress(http.address() as AddressInfo);
  const url = `${tls ? 'https' : 'http'}://${listening.urlHost}:${config.port}${prefix}`;

  return {
    http,
    io,
    context,
    url,
    listening,
    async close() {
      await context.close();
      // Closes every socket and then the HTTP server itself.
      await io.close();
      await dashboard?.close();
    },
  };
}
