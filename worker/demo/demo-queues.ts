/** The demo cluster's queues: Celery's default, and the ones a shop splits its work into. */
export const DEMO_QUEUES = { default: 'celery', high: 'high', low: 'low', reports: 'reports', ai: 'ai' } as const;
