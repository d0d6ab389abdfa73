/**
 * Failed sign-ins, limited per account and per client address, in the manner of Entra's
 * smart lockout: after `perUser` failures within `windowMs` an account is locked for
 * `lockoutMs`, after `perAddress` failures an address is; a success clears the account's
 * count. Counts live in memory (lru-cache bounds them), per service node.
 */
import { CACHE_BOUNDS } from '../core/cache-bounds.ts';
import { LRUCache } from 'lru-cache';

export interface SignInLimitOptions {
  /** Failures per account before it locks (Entra's default lockout threshold: 10). */
  readonly perUser?: number;
  /** Failures per client address before it locks. */
  readonly perAddress?: number;
  /** Failures older than this are forgotten. */
  readonly windowMs?: number;
  /** How long a lock lasts (Entra's default lockout duration: 60 s). */
  readonly lockoutMs?: number;
  readonly now?: () => number;
}

export const SIGN_IN_LIMIT_DEFAULTS = Object.freeze({ perUser: 10, perAddress: 100, windowMs: 15 * 60_000, lockoutMs: 60_000 });

interface Counter {
  failures: number;
  firstAt: number;
  lockedUntil: number;
}

export class SignInLimits {
  readonly #options: Required<Omit<SignInLimitOptions, 'now'>>;
  readonly #now: () => number;
  readonly #counters = new LRUCache<string, Counter>({ max: CACHE_BOUNDS.signInCounters });

  constructor(options: SignInLimitOptions = {}) {
    this.#options = { ...SIGN_IN_LIMIT_DEFAULTS, ...options };
    this.#now = options.now ?? Date.now;
  }

  /** Whether the account or the address is locked now. */
  locked(account: string, address: string): boolean {
    return this.retryAfterSeconds(account, address) > 0;
  }

  /** Whole seconds until neither the account nor the address is locked; 0 when neither is. */
  retryAfterSeconds(account: string, address: string): number {
    const now = this.#now();
    const until = Math.max(0, ...[this.#counters.get(`u:${account}`), this.#counters.get(`a:${address}`)].map((c) => c?.lockedUntil ?? 0));
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  failed(account: string, address: string): void {
    this.#count(`u:${account}`, this.#options.perUser);
    this.#count(`a:${address}`, this.#options.perAddress);
  }

  succeeded(account: string): void {
    this.#counters.delete(`u:${account}`);
  }

  #count(key: string, limit: number): void {
    const now = this.#now();
    let counter = this.#counters.get(key);
    if (!counter || now - counter.firstAt > this.#options.windowMs) counter = { failures: 0, firstAt: now, lockedUntil: 0 };
    counter.failures++;
    if (counter.failures >= limit) {
      counter.lockedUntil = now + this.#options.lockoutMs;
      counter.failures = 0;
      counter.firstAt = now;
    }
    this.#counters.set(key, counter);
  }
}
