/** worker-online, a worker-heartbeat every `freq` seconds, worker-offline: how monitors know a worker lives. */
import os from 'node:os';
import type { JsonObject } from '@/lib/celery';
import type { EventDispatcher } from './event-dispatcher';

export const SW_IDENT = 'pollen-worker';

export interface HeartFigures {
  active(): number;
  processed(): number;
}

export class Heart {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dispatcher: EventDispatcher,
    private readonly figures: HeartFigures,
    private readonly freq: number,
    private readonly version: string,
  ) {}

  private fields(freq = this.freq): JsonObject {
    return {
      freq,
      active: this.figures.active(),
      processed: this.figures.processed(),
      loadavg: os.loadavg().map((n) => Math.round(n * 100) / 100),
      sw_ident: SW_IDENT,
      sw_ver: this.version,
      sw_sys: os.type(),
    };
  }

  async start(): Promise<void> {
    await this.dispatcher.worker('worker-online', this.fields());
    this.timer = setInterval(() => void this.dispatcher.worker('worker-heartbeat', this.fields()), this.freq * 1000);
    this.timer.unref();
  }

  /** The answer to the `heartbeat` control command: freq 5 and no figures, as Python sends. */
  beatOnce(): Promise<void> {
    return this.dispatcher.worker('worker-heartbeat', { freq: 5, sw_ident: SW_IDENT, sw_ver: this.version, sw_sys: os.type() });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.dispatcher.worker('worker-offline', this.fields());
  }
}
