/**
 * The worker's end of remote control (kombu's pidbox Node): requests addressed to this node (by name,
 * glob/pcre pattern, or to all) run the command and, when a reply is wanted, answer `{node: result}` on
 * the reply exchange (CELERY-WIRE.md §6). A failing command answers `{"error": repr}`; an unknown one
 * `KeyError('<name>')`, as Python does.
 */
import { controlRequestIsFor, decodeControlRequest, encodeControlReply, type CeleryMessage, type JsonValue } from '@/lib/celery';
import { exceptionRepr } from '../task/task-errors';
import type { Worker } from '../worker';
import { controlCommands } from './control-commands';
import { inspectCommands } from './inspect-commands';

export type CommandHandler = (worker: Worker, args: Readonly<Record<string, JsonValue>>) => JsonValue | Promise<JsonValue>;

/** Commands that never answer (the worker is going away). */
const NO_REPLY = new Set(['shutdown']);

export class PidboxNode {
  private readonly commands: ReadonlyMap<string, CommandHandler> = new Map([...Object.entries(inspectCommands), ...Object.entries(controlCommands)]);

  constructor(private readonly worker: Worker) {}

  async handle(message: CeleryMessage): Promise<void> {
    const worker = this.worker;
    const decoded = decodeControlRequest(message);
    if (!decoded.ok) {
      worker.log.warn({ error: decoded.error.message }, 'dropped a malformed control request');
      return;
    }
    const request = decoded.value;
    if (!controlRequestIsFor(request, worker.hostname)) return;
    worker.clock.adjust(request.clock);
    const handler = this.commands.get(request.method);
    let value: JsonValue;
    try {
      if (!handler) throw Object.assign(new Error(request.method), { name: 'KeyError' });
      value = await handler(worker, request.arguments);
    } catch (err) {
      value = { error: exceptionRepr(err) };
    }
    if (!request.replyTo || NO_REPLY.has(request.method)) return;
    const reply = encodeControlReply({ node: worker.hostname, value, ticket: request.ticket, clock: worker.clock.forward() });
    await worker.transport.publish(request.replyTo.exchange, request.replyTo.routingKey, reply).catch((err: unknown) => {
      worker.log.warn({ method: request.method, err: String(err) }, 'could not send a control reply');
    });
  }
}
