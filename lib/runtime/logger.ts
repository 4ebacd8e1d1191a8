/**
 * The logger of the server and the worker (pino): JSON lines for machines, readable lines on a terminal. Modules take a child
 * logger bound to their scope (`logger.child({ scope: 'http' })`) rather than formatting prefixes.
 */
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  if (process.stdout.isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } });
  }
  return pino({ level });
}
