/**
 * Failed sign-ins are limited per account and per client address (OWASP Authentication
 * Cheat Sheet, "Protect against automated attacks"): past the limit within the window, the
 * form refuses further tries until the oldest failure ages out. Counted in memory per node: a
 * few lines over a Map (a rate-limiter library would bring a store of its own for the same).
 */
export interface ThrottleLimits {
  readonly perAccount: number;
  readonly perAddress: number;
  readonly windowMs: number;
}

/** 5 wrong passwords per account and 30 per address within 15 minutes. */
export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = Object.freeze({ perAccount: 5, perAddress: 30, windowMs: 15 * 60_000 });

export class SignInThrottle {
  readonly #failures = new Map<string, number[]>();

  constructor(private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {}

  #recent(key: string, now: number): number[] {
    const kept = (this.#failures.get(key) ?? []).filter((at) => now - at < this.limits.windowMs);
    if (kept.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, kept);
    return kept;
  }

  /** Milliseconds until a try is allowed again for this account and address; 0: allowed now. */
  retryAfter(account: string, address: string, now = Date.now()): number {
    let wait = 0;
    for (const [key, limit] of [[`account:${account.toLowerCase()}`, this.limits.perAccount], [`address:${address}`, this.limits.perAddress]] as const) {
      const recent = this.#recent(key, now);
      if (recent.length >= limit) wait = Math.max(wait, recent[recent.length - limit]! + this.limits.windowMs - now);
    }
    return wait;
  }

  failed(account: string, address: string, now = Date.now()): void {
    for (const key of [`account:${account.toLowerCase()}`, `address:${address}`]) this.#failures.set(key, [...this.#recent(key, now), now]);
  }

  succeeded(account: string): void {
    this.#failures.delete(`account:${account.toLowerCase()}`);
  }
}
