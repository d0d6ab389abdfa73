/**
 * Wakes the service when AD changes, so that a delta cycle starts within a second instead
 * of at the next scheduled run (docs/protocol.md "Change signals"). Two sources per domain,
 * both only wake-ups (DirSync stays the source of truth for what changed):
 *
 * - AdChangeWatcher: LDAP change notifications. Real AD sends them at once; Samba only when
 *   the write lands on the worker holding the watch, else after its 5-second re-check.
 * - A DirSync poll (AdReader.pollChanges) every `changePollMs` (default 300 ms), which
 *   covers Samba's slow notifications. It backs off by itself when polls get expensive: after
 *   a poll slower than POLL_SLOW_MS it waits POLL_COST_FACTOR times as long, so a DC where an
 *   empty DirSync costs 1.5 s (measured at 50k users, change-notification-facts.md) is
 *   polled every 30 s rather than kept busy.
 *
 * Facts behind the defaults: ../../docs/benchmarks.md (idle cost) and
 * change-notification-facts.md (detection latency of each method).
 */
import type { AdReader } from '../ad/reader.ts';
import { AdChangeWatcher, type AdWatchState } from '../ad/change-watcher.ts';
import { isCanopyError, type CanopyError } from '../core/errors.ts';
import type { ChangeReason } from '../relay/frames.ts';
import { readBindPassword, type AgentConfig } from './config.ts';

/**
 * A poll that took longer than POLL_SLOW_MS is expensive for the DC (an empty DirSync is 3–5 ms
 * on an idle 10k domain): the next waits POLL_COST_FACTOR times as long (≤ 5% of the DC's
 * time). Shorter polls keep the interval: on a loaded machine a poll's wall time is mostly
 * waiting for a CPU, and a factor on it slowed the poll to seconds (npm run bench, load 12).
 */
export const POLL_SLOW_MS = 250;
export const POLL_COST_FACTOR = 20;
const POLL_RETRY_MIN_MS = 1_000;
const POLL_RETRY_MAX_MS = 60_000;

export type ChangeSignalSink = (domain: string, reason: ChangeReason) => void;

export interface ChangeSignalEvents {
  /** The notification watch of a domain changed state (`error` says why it waits). */
  onWatchState?(domain: string, state: AdWatchState, error?: CanopyError): void;
  /** A poll failed (it retries with back-off), or stopped for good (`stopped`). */
  onPollError?(domain: string, error: unknown, stopped: boolean): void;
}

export interface ChangeSignals {
  close(): Promise<void>;
}

/**
 * Polls one domain's DirSync cookie. The first poll only takes the cookie; after a failure
 * the cookie is taken again and 'resumed' is signalled, since a change may have been made
 * between the last good poll and the new cookie.
 */
export class DirSyncPoller {
  #cookie: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #stopped = false;

  constructor(
    private readonly reader: () => Promise<AdReader>,
    private readonly intervalMs: number,
    private readonly signal: (reason: ChangeReason) => void,
    private readonly onError: (error: unknown, stopped: boolean) => void = () => undefined,
  ) {}

  start(): void {
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#poll(), delayMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    const started = performance.now();
    try {
      const resuming = this.#failures > 0;
      const answer = await (await this.reader()).pollChanges(this.#cookie);
      const first = this.#cookie === undefined;
      this.#cookie = answer.cookie;
      this.#failures = 0;
      if (answer.changed) this.signal('poll');
      else if (first && resuming) this.signal('resumed');
      const took = performance.now() - started;
      this.#schedule(took > POLL_SLOW_MS ? Math.max(this.intervalMs, took * POLL_COST_FACTOR) : this.intervalMs);
    } catch (error) {
      // An account without the DirSync right: notifications and the schedule remain.
      const forGood = isCanopyError(error, 'ERR_AD_INSUFFICIENT_RIGHTS');
      this.onError(error, forGood);
      if (forGood) return this.stop();
      this.#cookie = undefined;
      this.#failures += 1;
      this.#schedule(Math.min(POLL_RETRY_MAX_MS, POLL_RETRY_MIN_MS * 2 ** (this.#failures - 1)));
    }
  }
}

/** Starts the watch and the poll of every configured domain whose options allow them. */
export function startChangeSignals(
  config: AgentConfig,
  readers: ReadonlyMap<string, () => Promise<AdReader>>,
  sink: ChangeSignalSink,
  events: ChangeSignalEvents = {},
  env: NodeJS.ProcessEnv = process.env,
): ChangeSignals {
  const watchers: AdChangeWatcher[] = [];
  const pollers: DirSyncPoller[] = [];
  for (const domain of config.domains) {
    const { ad } = domain;
    // The agent runs (and answers SCIM 503) while a domain's password cannot be read; its
    // watch then stays off, and the poll retries through the reader with back-off.
    let password: string | undefined;
    try {
      if (ad.changeNotifications) password = readBindPassword(ad, env);
    } catch (error) {
      events.onWatchState?.(domain.name, 'closed', error as CanopyError);
    }
    if (password !== undefined) {
      watchers.push(
        AdChangeWatcher.start({
          urls: [...ad.urls],
          bindDn: ad.bindDn,
          password,
          // Read again at each reconnect, as the reader does: a corrected passwordFile is taken.
          readPassword: () => readBindPassword(ad, env),
          caFile: ad.caFile,
          startTls: ad.startTls,
          baseDn: ad.baseDn,
          scopeDns: ad.scopeDns ? [...ad.scopeDns] : undefined,
          onChange: (signal) => sink(domain.name, signal.reason === 'resumed' ? 'resumed' : 'notification'),
          onState: (state, error) => events.onWatchState?.(domain.name, state, error),
        }),
      );
    }
    const reader = readers.get(domain.name);
    if (ad.changePollMs > 0 && reader) {
      const poller = new DirSyncPoller(reader, ad.changePollMs, (reason) => sink(domain.name, reason), (error, stopped) => events.onPollError?.(domain.name, error, stopped));
      poller.start();
      pollers.push(poller);
    }
  }
  return {
    async close() {
      for (const poller of pollers) poller.stop();
      await Promise.all(watchers.map((watcher) => watcher.close()));
    },
  };
}
