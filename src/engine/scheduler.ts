/**
 * Runs each job's cycle every `schedule.interval` (ISO 8601, default PT2M), counted from
 * the end of the previous cycle so a long cycle never piles up behind itself. Never two
 * cycles of one job at once: a timer that fires during a cycle is dropped, a trigger
 * (on demand, on an AD change notification) during a cycle queues exactly one follow-up.
 * Jobs are spread: the first run waits a random part of the interval, later runs move by
 * up to ±`jitterRatio` of it, so jobs of many tenants do not fire in step.
 * `stop()` cancels timers and waits for running cycles; nothing starts after it.
 *
 * Emits 'cycleStarted' / 'cycleFinished' / 'cycleFailed' with { key, trigger, error? }.
 */
import { EventEmitter } from 'node:events';
import { CanopyError } from '../core/errors.ts';
import { DEFAULT_SYNC_INTERVAL, parseIsoDuration } from './iso-duration.ts';

/** 'notification': an agent reported an AD change; 'agentConnected': an agent of the job's domain connected. */
export type Trigger = 'schedule' | 'onDemand' | 'notification' | 'agentConnected';

export interface ScheduledJob {
  readonly tenantId: string;
  readonly jobId: string;
  /** ISO 8601; absent = PT2M. */
  readonly interval?: string;
  /** Graph synchronizationSchedule.state: only Active jobs run on schedule. */
  readonly state: 'Active' | 'Paused' | 'Disabled';
}

/** The timers the scheduler uses; tests inject fast ones, production uses the real ones. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export interface SchedulerOptions {
  /** Runs one cycle of the job; the scheduler guarantees it is never called twice at once per job. */
  readonly runCycle: (job: ScheduledJob, trigger: Trigger) => Promise<void>;
  readonly timers?: Timers;
  /** Fraction of the interval by which runs move at random (default 0.1). */
  readonly jitterRatio?: number;
  readonly random?: () => number;
}

export interface JobRuntime {
  readonly running: boolean;
  readonly nextRunAt: number | undefined;
  readonly lastStartedAt: number | undefined;
  readonly lastFinishedAt: number | undefined;
  readonly lastError: unknown;
}

interface Entry {
  job: ScheduledJob;
  intervalMs: number;
  timer: unknown;
  nextRunAt: number | undefined;
  running: Promise<void> | undefined;
  followUp: { trigger: Trigger; waiters: (() => void)[] } | undefined;
  lastStartedAt: number | undefined;
  lastFinishedAt: number | undefined;
  lastError: unknown;
  /** Quarantine back-off: scheduled runs wait until then (triggers do not). */
  notBefore: number | undefined;
}

export const jobKey = (tenantId: string, jobId: string): string => `${tenantId}/${jobId}`;

export class Scheduler extends EventEmitter {
  readonly #entries = new Map<string, Entry>();
  readonly #runCycle: SchedulerOptions['runCycle'];
  readonly #timers: Timers;
  readonly #jitter: number;
  readonly #random: () => number;
  #started = false;
  #stopped = false;

  constructor(options: SchedulerOptions) {
    super();
    this.#runCycle = options.runCycle;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#jitter = options.jitterRatio ?? 0.1;
    this.#random = options.random ?? Math.random;
    if (this.#jitter < 0 || this.#jitter >= 1) throw new TypeError('jitterRatio must be in [0, 1)');
  }

  /** Adds a job or updates its schedule (interval, Active/Paused). Throws on a bad interval. */
  upsert(job: ScheduledJob): void {
    const intervalMs = parseIsoDuration(job.interval ?? DEFAULT_SYNC_INTERVAL);
    if (intervalMs < 1000) throw new CanopyError('ERR_ENGINE_DURATION_INVALID', `interval ${job.interval} is shorter than one second`);
    const key = jobKey(job.tenantId, job.jobId);
    const entry = this.#entries.get(key);
    if (!entry) {
      this.#entries.set(key, {
        job, intervalMs, timer: undefined, nextRunAt: undefined, running: undefined, followUp: undefined,
        lastStartedAt: undefined, lastFinishedAt: undefined, lastError: undefined, notBefore: undefined,
      });
      if (this.#started) this.#arm(key, this.#random() * intervalMs);
      return;
    }
    const changed = entry.intervalMs !== intervalMs || entry.job.state !== job.state;
    entry.job = job;
    entry.intervalMs = intervalMs;
    if (changed && this.#started && !entry.running) this.#arm(key, this.#jittered(intervalMs));
  }

  /**
   * Scheduled runs of the job wait until `at` (epoch ms; undefined lifts it): a quarantined
   * job backs off. Triggers (on demand, change signals) still run at once.
   */
  holdUntil(tenantId: string, jobId: string, at: number | undefined): void {
    const key = jobKey(tenantId, jobId);
    const entry = this.#entries.get(key);
    if (!entry || entry.notBefore === at) return;
    entry.notBefore = at;
    if (this.#started && !entry.running && entry.job.state === 'Active') this.#arm(key, this.#jittered(entry.intervalMs));
  }

  /** Forgets a job; a running cycle finishes, nothing more starts. */
  remove(tenantId: string, jobId: string): void {
    const key = jobKey(tenantId, jobId);
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#disarm(entry);
    this.#entries.delete(key);
  }

  pause(tenantId: string, jobId: string): void {
    const entry = this.#entries.get(jobKey(tenantId, jobId));
    if (entry) this.upsert({ ...entry.job, state: 'Paused' });
  }

  resume(tenantId: string, jobId: string): void {
    const entry = this.#entries.get(jobKey(tenantId, jobId));
    if (entry) this.upsert({ ...entry.job, state: 'Active' });
  }

  /** Arms every Active job, each after a random part of its interval. */
  start(): void {
    if (this.#stopped) throw new CanopyError('ERR_ENGINE_SCHEDULER_STOPPED', 'the scheduler was stopped');
    if (this.#started) return;
    this.#started = true;
    for (const [key, entry] of this.#entries) this.#arm(key, this.#random() * entry.intervalMs);
  }

  /**
   * Runs a cycle now (on demand, or on an AD change notification), paused jobs included.
   * During a running cycle, one follow-up cycle is queued (several triggers share it).
   * Resolves when the cycle this trigger caused has finished (whatever its outcome).
   */
  triggerNow(tenantId: string, jobId: string, trigger: Exclude<Trigger, 'schedule'> = 'onDemand'): Promise<void> {
    if (this.#stopped) return Promise.reject(new CanopyError('ERR_ENGINE_SCHEDULER_STOPPED', 'the scheduler was stopped'));
    const key = jobKey(tenantId, jobId);
    const entry = this.#entries.get(key);
    if (!entry) return Promise.reject(new TypeError(`no scheduled job ${key}`));
    if (entry.running) {
      entry.followUp ??= { trigger, waiters: [] };
      return new Promise((resolve) => entry.followUp!.waiters.push(resolve));
    }
    return this.#run(key, entry, trigger);
  }

  runtime(tenantId: string, jobId: string): JobRuntime | undefined {
    const entry = this.#entries.get(jobKey(tenantId, jobId));
    if (!entry) return undefined;
    return {
      running: entry.running !== undefined,
      nextRunAt: entry.nextRunAt,
      lastStartedAt: entry.lastStartedAt,
      lastFinishedAt: entry.lastFinishedAt,
      lastError: entry.lastError,
    };
  }

  /** Cancels every timer and waits for running cycles (and queued follow-ups are dropped). */
  async stop(): Promise<void> {
    this.#stopped = true;
    const running: Promise<void>[] = [];
    for (const entry of this.#entries.values()) {
      this.#disarm(entry);
      const waiters = entry.followUp?.waiters ?? [];
      entry.followUp = undefined;
      for (const resolve of waiters) resolve();
      if (entry.running) running.push(entry.running);
    }
    await Promise.all(running);
  }

  #jittered(ms: number): number {
    return Math.max(0, ms * (1 + this.#jitter * (2 * this.#random() - 1)));
  }

  #disarm(entry: Entry): void {
    if (entry.timer !== undefined) this.#timers.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.nextRunAt = undefined;
  }

  #arm(key: string, wanted: number): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#disarm(entry);
    const delay = entry.notBefore === undefined ? wanted : Math.max(wanted, entry.notBefore - this.#timers.now());
    if (this.#stopped || entry.job.state !== 'Active') return;
    entry.nextRunAt = this.#timers.now() + delay;
    entry.timer = this.#timers.setTimeout(() => {
      entry.timer = undefined;
      entry.nextRunAt = undefined;
      if (entry.running || this.#entries.get(key) !== entry) return; // dropped: never overlap
      void this.#run(key, entry, 'schedule');
    }, delay);
  }

  async #run(key: string, entry: Entry, trigger: Trigger): Promise<void> {
    this.#disarm(entry);
    entry.lastStartedAt = this.#timers.now();
    this.emit('cycleStarted', { key, trigger });
    const cycle = (async () => {
      try {
        await this.#runCycle(entry.job, trigger);
        entry.lastError = undefined;
        this.emit('cycleFinished', { key, trigger });
      } catch (error) {
        entry.lastError = error;
        this.emit('cycleFailed', { key, trigger, error });
      }
    })();
    entry.running = cycle;
    await cycle;
    entry.running = undefined;
    entry.lastFinishedAt = this.#timers.now();
    const followUp = entry.followUp;
    entry.followUp = undefined;
    if (followUp && !this.#stopped && this.#entries.get(key) === entry) {
      void this.#run(key, entry, followUp.trigger).then(() => followUp.waiters.forEach((resolve) => resolve()));
      return;
    }
    followUp?.waiters.forEach((resolve) => resolve());
    if (this.#started && !this.#stopped) this.#arm(key, this.#jittered(entry.intervalMs));
  }
}
