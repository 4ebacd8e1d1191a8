/** Pollen's own endpoints about the server itself: identity and the health of the broker link and ingest. */
import type { Session } from '@/lib/api/session';
import { authConfigured } from '../auth/request-guard';
import { historyStatus } from '../history/history-status';
import type { Route } from '../http/route-types';

export const SERVER_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/session',
    access: 'read',
    doc: {
      summary: "Who the caller is, whether controls are open to them, and the CSRF token a browser sends with controls (also set as the pollen_csrf cookie)",
      tags: ['server'],
    },
    handle: ({ user, csrfToken }, { config }) => {
      const body: Session = {
        user,
        authRequired: authConfigured(config),
        readOnly: config.readOnly,
        controlsEnabled: !config.readOnly && (authConfigured(config) || config.unauthenticatedApi),
        csrfToken,
        urlPrefix: config.urlPrefix,
      };
      return { status: 200, body };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/server',
    access: 'read',
    doc: { summary: 'Server name, version, masked broker URL and start time', tags: ['server'] },
    handle: (_, { info }) => ({ status: 200, body: info }),
  },
  {
    method: 'GET',
    path: '/api/v1/health',
    access: 'read',
    doc: { summary: 'Broker link state, ingest counters, model sizes, and history: where, how writing goes (writing, lagging, failing) and when Pollen was not listening', tags: ['server'] },
    handle: async (_, { collector, store }) => ({
      status: 200,
      body: {
        broker: collector ? collector.transport.state() : null,
        ingest: collector ? collector.health.snapshot(Date.now()) : null,
        tasks: store.taskCount,
        evicted: store.evicted,
        workers: store.workerCount,
        history: await historyStatus(store),
      },
    }),
  },
];
