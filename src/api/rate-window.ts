/**
 * A sliding-window request limit per key: at most `limit` requests in any `windowMs`.
 * Graph limits provisionOnDemand to 5 requests per 10 seconds and answers more with 429
 * and Retry-After; this is that limit, per job, on this node (several nodes each keep their
 * own window: a caller spreading requests over nodes gets up to limit × nodes).
 */
export interface RateDecision {
  readonly allowed: boolean;
  /** Whole seconds until a request would be allowed (0 when allowed). */
  readonly retryAfterSeconds: number;
}

export class RateWindow {
  readonly #times = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
    if (!(windowMs > 0)) throw new TypeError('windowMs must be positive');
  }

  /** Counts a request for `key` when allowed; a refused one is not counted. */
  take(key: string): RateDecision {
    const now = this.now();
    const recent = (this.#times.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.#times.set(key, recent);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000)) };
    }
    recent.push(now);
    this.#times.set(key, recent);
    this.#prune(now);
    return { allowed: true, retryAfterSeconds: 0 };
  }

  /** Forgets keys with no request in the window, so the map holds only active jobs. */
  #prune(now: number): void {
    if (this.#times.size < 1024) return;
    for (const [key, times] of this.#times) if (times.every((t) => t <= now - this.windowMs)) this.#times.delete(key);
  }
}
