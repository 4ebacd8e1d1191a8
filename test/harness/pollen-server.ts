/**
 * A Pollen server in the test process, API and Socket.IO only (no Next build): what the API integration
 * tests call over real HTTP. Controls are open unless the test passes auth options.
 */
import { type ConfigInput, parseConfig } from '@/server/config';
import { type PollenServer, startServer } from '@/server/http/create-server';
import { createLogger } from '@/lib/runtime/logger';
import { testDataDir } from './data-dir';
import { freePort } from './free-port';

export interface TestPollen {
  readonly server: PollenServer;
  /** `http://127.0.0.1:<port>` plus the URL prefix. */
  readonly url: string;
  /** fetch() relative to `url`; JSON bodies for objects. */
  request(path: string, init?: { method?: string; json?: unknown; form?: Record<string, string>; headers?: Record<string, string> }): Promise<{ status: number; body: unknown; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startPollen(input: Partial<ConfigInput> = {}): Promise<TestPollen> {
  const port = await freePort();
  const parsed = parseConfig({ port, address: '127.0.0.1', dev: false, unauthenticatedApi: true, dataDir: testDataDir(), ...input });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const server = await startServer(parsed.config, createLogger(process.env['LOG_LEVEL'] ?? 'warn'), { dashboard: false });
  const url = `http://127.0.0.1:${port}${parsed.config.urlPrefix}`;
  return {
    server,
    url,
    async request(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      let body: string | undefined;
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      } else if (init.form !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(init.form).toString();
      }
      const response = await fetch(`${url}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined && { body }) });
      const text = await response.text();
      let parsedBody: unknown = text;
      try {
        parsedBody = JSON.parse(text) as unknown;
      } catch {
        // plain text (healthcheck, Prometheus, Flower's 403 reasons)
      }
      return { status: response.status, body: parsedBody, text, headers: response.headers };
    },
    close: () => server.close(),
  };
}
