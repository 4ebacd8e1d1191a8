/**
 * Celery's `task_send_sent_event`: a producer announces every task it sends with a `task-sent` event, the
 * only event that exists before a worker holds the task. Without it a monitor cannot know a task that is
 * still waiting in its queue (PENDING). Celery sends it from `app.amqp.send_task_message` through an
 * unbuffered dispatcher named `gen<pid>@<host>`, so a monitor never takes the producer for a worker
 * (CELERY-WIRE.md §5.4; captures/redis/events*.jsonl).
 */
import os from 'node:os';
import type { Transport } from '@/lib/broker';
import { encodeEventJson, type JsonObject, names, type TaskMessage, taskReprs } from '@/lib/celery';
import { pythonUtcoffset } from './event-dispatcher';
import { LamportClock } from './lamport-clock';

/** The wire object of a task-sent event, in the order Celery writes its fields. */
export function taskSentEvent(task: TaskMessage, queue: string, sender: { hostname: string; clock: number; timestamp: number }): JsonObject {
  const reprs = taskReprs(task);
  return {
    hostname: sender.hostname,
    utcoffset: pythonUtcoffset(new Date(sender.timestamp * 1000)),
    pid: process.pid,
    clock: sender.clock,
    uuid: task.id,
    root_id: task.rootId,
    parent_id: task.parentId,
    name: task.name,
    args: reprs.argsrepr,
    kwargs: reprs.kwargsrepr,
    retries: task.retries,
    eta: task.eta,
    expires: task.expires,
    queue,
    // Pollen publishes every task through the default exchange, routed by the queue's name.
    exchange: '',
    routing_key: queue,
    timestamp: sender.timestamp,
    type: 'task-sent',
  };
}

export class SentEvents {
  private readonly clock = new LamportClock();

  constructor(
    private readonly transport: Transport,
    /** Celery's anonymous node name for producers. */
    readonly hostname = `gen${process.pid}@${os.hostname()}`,
  ) {}

  /**
   * Publishes the task's task-sent event. The task itself is already on its queue: an announcement the
   * broker refused costs monitors the PENDING state, and must not make the caller send the task again.
   */
  async announce(task: TaskMessage, queue: string): Promise<void> {
    const event = taskSentEvent(task, queue, { hostname: this.hostname, clock: this.clock.forward(), timestamp: Date.now() / 1000 });
    const { message, routingKey } = encodeEventJson(event, this.hostname);
    await this.transport.publishFanout(names.EVENT_EXCHANGE, routingKey, message).catch(() => undefined);
  }
}
