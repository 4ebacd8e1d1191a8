/**
 * A bound on how long a caller waits for a promise. ioredis and amqplib queue a command while their
 * connection is down and answer it only once it is back (the worker's acks rely on that), so a request
 * that reads the broker or the result backend must bound its own wait: it stops waiting, the command
 * itself is left to finish or fail in the background.
 */
export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/** `promise`, or a DeadlineError once `ms` have passed. A late rejection of `promise` is swallowed. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
