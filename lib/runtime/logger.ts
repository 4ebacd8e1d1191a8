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

/**
 * A line a person looks for (where the dashboard is, that a build is under way), logged as any other. On a
 * terminal the log reads as text already; elsewhere (systemd, docker, a pipe) stdout carries JSON for
 * machines, and the line is also written plainly on stderr, where a person reading `docker logs` or
 * `journalctl` finds it.
 */
export function logForPeople(log: Logger, fields: Record<string, unknown>, message: string, plainly: boolean = process.stdout.isTTY !== true): void {
  log.info(fields, message);
  if (plainly) process.stderr.write(`${message}\n`);
}
