/**
 * The `pollen` command as a user runs it: flags are validated with messages that name the flag, the
 * server starts with a broker URL, shows it without its password, and stops cleanly on SIGTERM.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { THEME_SCRIPT } from '@/lib/theme/theme-script';
import { THEME_SCRIPT_HASH } from '@/server/http/security-headers';
import { startChild } from '@/test/harness/child';
import { freePort } from '@/test/harness/free-port';
import { testDataDir } from '@/test/harness/data-dir';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

function run(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CELERY_BROKER_URL: '' } });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('pollen CLI', () => {
  it('prints help with Flower-compatible flags', () => {
    const { status, stdout } = run(['--help']);
    expect(status).toBe(0);
    for (const flag of ['--broker', '--port', '--address', 'demo']) expect(stdout).toContain(flag);
  });

  it.each([
    [['--port', 'http'], '--port: port must be a number'],
    [['--port', '99999'], '--port: port must be between 1 and 65535'],
    [['--broker', 'kafka://broker:9092'], "--broker: unsupported broker scheme 'kafka'"],
    [['--broker', 'redis://localhost/x'], '--broker: Redis database must be a number'],
    [['--enable-events=maybe'], '--enable-events: expected true or false'],
    [['--max-tasks', '0'], '--max-tasks: must be at least 1'],
    [['--purge-offline-workers', 'soon'], '--purge-offline-workers: expected a number of seconds'],
    [['--basic_auth=alice'], '--basic-auth: expected user:password'],
    [['--certfile', '/tmp/c.pem'], '--keyfile: --certfile and --keyfile go together'],
    [['--result-backend', 'rpc://'], '--result-backend: the rpc:// result backend'],
  ])('rejects %j with exit code 2 and a message naming the flag', (args, message) => {
    const { status, stderr } = run(args);
    expect(status).toBe(2);
    expect(stderr).toContain(message);
  });

  it('starts with --broker, shows the broker without its password, and stops on SIGTERM', async () => {
    const port = await freePort();
    const server = startChild(process.execPath, [BIN, '--broker', 'redis://:hunter2@127.0.0.1:6399/3', '--port', String(port), '--address', '127.0.0.1', '--data-dir', testDataDir()]);
    try {
      await server.waitFor(/Pollen is running/, 180_000);
      expect(await (await fetch(`http://127.0.0.1:${port}/healthcheck`)).text()).toBe('OK');
      const info = (await (await fetch(`http://127.0.0.1:${port}/api/v1/server`)).json()) as { broker: string };
      expect(info.broker).toBe('redis://:********@127.0.0.1:6399/3');
      expect(server.output()).not.toContain('hunter2');
      expect(server.output()).toContain(`listening on 127.0.0.1:${port} (this machine only)`);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<title>Pollen</title>');
      // Not cached by proxies; framed by nobody; its scripts by this answer's nonce and the theme script's hash.
      expect(page.headers.get('cache-control')).toMatch(/^private\b.*\bno-store\b/);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      const policy = page.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("frame-ancestors 'none'");
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
      expect(nonce).toBeDefined();
      expect(policy).toContain(THEME_SCRIPT_HASH);
      expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      // Every script Next wrote carries the nonce; the one without is the theme script, allowed by its hash.
      const scripts = [...html.matchAll(/<script\b([^>]*)>([^<]*)/g)];
      const bare = scripts.filter(([, attributes]) => !(attributes as string).includes(`nonce="${nonce}"`));
      expect(bare.map(([, , body]) => body)).toEqual([THEME_SCRIPT]);
      const again = await fetch(`http://127.0.0.1:${port}/`);
      expect(again.headers.get('content-security-policy')).not.toContain(`'nonce-${nonce}'`);
      const missing = await fetch(`http://127.0.0.1:${port}/api/does-not-exist`);
      expect(missing.status).toBe(404);
    } finally {
      await server.stop();
    }
    expect(server.process.exitCode).toBe(0);
  });

  it('names the address it is bound to, and warns when open controls face the network', async () => {
    const port = await freePort();
    const server = startChild(process.execPath, [BIN, '--port', String(port), '--unauthenticated-api'], { env: { ...process.env, CELERY_BROKER_URL: '', LOG_LEVEL: 'info' } });
    try {
      await server.waitFor(/to anyone who can reach/, 180_000);
      expect(server.output()).toContain(`listening on 0.0.0.0:${port} (all interfaces)`);
      expect(server.output()).toMatch(new RegExp(`controls .* are open without authentication to anyone who can reach 0\\.0\\.0\\.0:${port}`));
    } finally {
      await server.stop();
    }
  });

  it('says so when the port is taken', async () => {
    const port = await freePort();
    const first = startChild(process.execPath, [BIN, 'demo', '--port', String(port), '--address', '127.0.0.1']);
    try {
      await first.waitFor(/Pollen is running/, 180_000);
      const second = run(['demo', '--port', String(port), '--address', '127.0.0.1']);
      expect(second.status).toBe(1);
      expect(second.stdout + second.stderr).toContain(`port ${port} is already in use`);
    } finally {
      await first.stop();
    }
  });

  it('serves HTTPS with --certfile/--keyfile and takes FLOWER_* settings from the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pollen-https-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const port = await freePort();
    const server = startChild(process.execPath, [BIN, 'demo', '--address', '127.0.0.1', '--certfile', join(dir, 'cert.pem'), '--keyfile', join(dir, 'key.pem')], {
      env: { ...process.env, FLOWER_PORT: String(port), FLOWER_BASIC_AUTH: 'alice:pw', FLOWER_READ_ONLY: 'true' },
    });
    const httpsGet = (path: string, auth: boolean) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers = auth ? { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` } : {};
        get({ host: '127.0.0.1', port, path, rejectUnauthorized: false, headers }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
    try {
      await server.waitFor(new RegExp(`Pollen is running at https://127.0.0.1:${port}`), 180_000);
      expect(await httpsGet('/healthcheck', false)).toEqual({ status: 200, body: 'OK' });
      expect((await httpsGet('/api/workers', false)).status).toBe(401);
      const session = JSON.parse((await httpsGet('/api/v1/session', true)).body) as { user: string; readOnly: boolean };
      expect(session).toMatchObject({ user: 'alice', readOnly: true });
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
