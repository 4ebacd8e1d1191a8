import { expect, it } from 'vitest';
import * as celery from './index';

// lib/celery is shared by the collector, the worker and the UI: a change to what it exports is a decision,
// so it shows up here as a failing snapshot to be reviewed, never by accident.
it('exports exactly the documented surface', () => {
  const surface = Object.fromEntries(
    Object.entries(celery)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => [name, typeof value === 'object' && value !== null ? Object.keys(value).sort() : typeof value]),
  );
  expect(surface).toMatchSnapshot();
});
