/**
 * The demo cluster's queues, split as a shop splits its work. All are named `demo.*`: on a real broker
 * (`pollen demo --broker …`) the demo's tasks must never land in a queue real workers consume, such as
 * Celery's default `celery`, where they would be unregistered tasks.
 */
export const DEMO_QUEUES = { default: 'demo.default', high: 'demo.high', low: 'demo.low', reports: 'demo.reports', ai: 'demo.ai' } as const;
