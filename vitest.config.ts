import { defineConfig } from 'vitest/config';

// Two projects so that `npm run test:unit` needs nothing but Node, while integration tests start real
// brokers and real Python Celery workers (see test/harness/).
export default defineConfig({
  resolve: { alias: { '@': new URL('.', import.meta.url).pathname } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{lib,server,worker,components}/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{lib,server,worker}/**/*.integration.test.ts', 'test/**/*.integration.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // Each file starts its own brokers and workers; two cores cannot run many at once.
          maxWorkers: 1,
          fileParallelism: false,
        },
      },
    ],
  },
});
