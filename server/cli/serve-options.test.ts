import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addServeOptions, normalizeFlowerFlags, withEnvironment } from './serve-options';

function parse(argv: string[], env: Record<string, string>, demo = false): Record<string, unknown> {
  let options: Record<string, unknown> = {};
  const command = addServeOptions(new Command().exitOverride(), { demo }).action((_o, cmd: Command) => {
    options = withEnvironment(cmd, env, { demo });
  });
  command.parse(normalizeFlowerFlags(argv), { from: 'user' });
  return options;
}

describe('serve flags and environment', () => {
  it('reads POLLEN_* before FLOWER_* before the extra names; the command line wins', () => {
    expect(parse([], { FLOWER_PORT: '5600', PORT: '5700' })['port']).toBe('5600');
    expect(parse([], { POLLEN_PORT: '5800', FLOWER_PORT: '5600' })['port']).toBe('5800');
    expect(parse(['--port', '5900'], { POLLEN_PORT: '5800' })['port']).toBe('5900');
    expect(parse([], { CELERY_BROKER_URL: 'redis://x' })['broker']).toBe('redis://x');
    expect(parse([], { FLOWER_BASIC_AUTH: 'a:b,c:d', FLOWER_UNAUTHENTICATED_API: 'true' })).toMatchObject({ basicAuth: 'a:b,c:d', unauthenticatedApi: 'true' });
  });

  it('reads the retention flags from the command line and POLLEN_*, with their defaults', () => {
    expect(parse([], {})).toMatchObject({ retentionSuccess: '7d', retentionFailure: '30d', retentionOther: '30d', maxHistoryTasks: '10000000', maxHistorySize: '10GB' });
    expect(parse([], { POLLEN_RETENTION_SUCCESS: '1d', POLLEN_RETENTION_FAILURE: '90d', POLLEN_RETENTION_OTHER: '0', POLLEN_MAX_HISTORY_TASKS: '100', POLLEN_MAX_HISTORY_SIZE: '2GB' })).toMatchObject({
      retentionSuccess: '1d', retentionFailure: '90d', retentionOther: '0', maxHistoryTasks: '100', maxHistorySize: '2GB',
    });
    expect(parse(['--retention-success', '12h', '--max_history_size=500MB'], { POLLEN_RETENTION_SUCCESS: '1d' })).toMatchObject({ retentionSuccess: '12h', maxHistorySize: '500MB' });
  });

  it("accepts Flower's underscore spellings", () => {
    expect(normalizeFlowerFlags(['--basic_auth=a:b', '--max_tasks', '5', '--url-prefix=x_y', 'pos_arg'])).toEqual(['--basic-auth=a:b', '--max-tasks', '5', '--url-prefix=x_y', 'pos_arg']);
    expect(parse(['--purge_offline_workers=60', '--read_only'], {})).toMatchObject({ purgeOfflineWorkers: '60', readOnly: true });
  });

  it('lets the demo take a broker from its command line only, never from the environment', () => {
    expect(parse(['--broker', 'redis://x', '--result-backend', 'redis://x/1'], {}, true)).toMatchObject({ broker: 'redis://x', resultBackend: 'redis://x/1' });
    expect(parse([], { CELERY_BROKER_URL: 'redis://x', POLLEN_BROKER: 'redis://y', FLOWER_RESULT_BACKEND: 'redis://z' }, true)).not.toHaveProperty('broker');
    expect(parse([], { CELERY_RESULT_BACKEND: 'redis://z' }, true)).not.toHaveProperty('resultBackend');
  });

  it('keeps the demo on 127.0.0.1 unless --address says otherwise; pollen itself listens on all interfaces, as Flower', () => {
    expect(parse([], {}, true)['address']).toBe('127.0.0.1');
    expect(parse(['--address', '0.0.0.0'], {}, true)['address']).toBe('0.0.0.0');
    expect(parse([], {})['address']).toBe('');
  });

  it('lets the demo open its controls on a real broker from its command line only', () => {
    expect(parse(['--unauthenticated-api'], {}, true)['unauthenticatedApi']).toBe(true);
    expect(parse([], { FLOWER_UNAUTHENTICATED_API: 'true' }, true)['unauthenticatedApi']).toBe(false);
    expect(parse([], { FLOWER_UNAUTHENTICATED_API: 'true' })['unauthenticatedApi']).toBe('true');
  });

  it('reads the browser flags from the command line, the environment, and Flower-style underscores', () => {
    expect(parse(['--allowed_origins=https://ops.example.com'], {})['allowedOrigins']).toBe('https://ops.example.com');
    expect(parse([], { POLLEN_FRAME_ANCESTORS: 'https://grafana.example.com' })['frameAncestors']).toBe('https://grafana.example.com');
  });
});
