/**
 * Ids revoked on this worker: Celery keeps them in a bounded LRU (50 000, forgotten after 3 hours) so a
 * revoke reaches tasks that arrive later.
 */
const MAX_REVOKED = 50_000;
const REVOKE_EXPIRES_MS = 3 * 3600 * 1000;

export class RevokedSet {
  private readonly ids = new Map<string, number>();

  add(id: string, now = Date.now()): void {
    this.ids.delete(id);
    this.ids.set(id, now + REVOKE_EXPIRES_MS);
    // Oldest first in insertion order: drop from the front, one key at a time (no iterator kept).
    while (this.ids.size > MAX_REVOKED) {
      const first = this.ids.keys().next().value as string;
      this.ids.delete(first);
    }
  }

  has(id: string, now = Date.now()): boolean {
    const expires = this.ids.get(id);
    if (expires === undefined) return false;
    if (expires <= now) {
      this.ids.delete(id);
      return false;
    }
    return true;
  }

  list(now = Date.now()): string[] {
    return [...this.ids].filter(([, expires]) => expires > now).map(([id]) => id);
  }

  /** Celery's `hello` reply shape: {id: [expiry Unix seconds, id]}. */
  snapshot(now = Date.now()): Record<string, [number, string]> {
    const out: Record<string, [number, string]> = {};
    for (const [id, expires] of this.ids) if (expires > now) out[id] = [expires / 1000, id];
    return out;
  }
}
