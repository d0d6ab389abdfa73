/**
 * Wake-ups of a domain's jobs outside their schedule: an agent reported an AD change, or an
 * agent of the domain connected (a job waiting for its first agent, or one that missed
 * changes while no agent was connected, starts at once instead of at its next tick).
 *
 * Signals are debounced per (tenant, domain): a burst of changes (a bulk import, a poll and
 * a notification for the same write) becomes one wake-up `debounceMs` after the first
 * signal. The scheduler then never overlaps cycles: a wake-up during a cycle queues one
 * follow-up cycle, which reads whatever changed meanwhile. The schedule stays the safety
 * net for anything no signal reports.
 */
import type { Timers } from './scheduler.ts';

export type WakeTrigger = 'notification' | 'agentConnected';

/** 100 ms: long enough to gather one write's notification and poll, short against a cycle. */
export const WAKE_DEBOUNCE_MS = 100;

export interface WakeUpsOptions {
  /** Starts the cycles of the domain's jobs (the engine finds them). */
  readonly wakeDomain: (tenantId: string, domain: string, trigger: WakeTrigger) => Promise<void>;
  readonly timers: Timers;
  readonly debounceMs?: number;
}

export class WakeUps {
  readonly #pending = new Map<string, unknown>();
  readonly #options: WakeUpsOptions;
  #stopped = false;

  constructor(options: WakeUpsOptions) {
    this.#options = options;
  }

  wake(tenantId: string, domain: string, trigger: WakeTrigger): void {
    if (this.#stopped) return;
    const key = `${tenantId}\n${domain.toLowerCase()}`;
    // Already due: the first signal names the cycle (both kinds start the same delta read).
    if (this.#pending.has(key)) return;
    const timer = this.#options.timers.setTimeout(() => {
      this.#pending.delete(key);
      if (!this.#stopped) void this.#options.wakeDomain(tenantId, domain.toLowerCase(), trigger).catch(() => undefined);
    }, this.#options.debounceMs ?? WAKE_DEBOUNCE_MS);
    this.#pending.set(key, timer);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#pending.values()) this.#options.timers.clearTimeout(timer);
    this.#pending.clear();
  }
}
