/**
 * The engine as `canopy serve` wires it: jobs from the directory store, a scheduler that
 * runs their cycles, and the change source that reaches the agents (the relay). The API
 * calls `jobChanged` after it creates, starts, pauses, restarts or deletes a job, and
 * `runNow` for on-demand syncs and AD change notifications.
 *
 *   const engine = new SyncEngine({ store, source: createScimChangeSource(relay.request.bind(relay)) });
 *   await engine.load(); engine.start(); … await engine.stop();
 */
import { EventEmitter } from 'node:events';
import { CanopyError } from '../core/errors.ts';
import type { SynchronizationJob } from '../directory/types.ts';
import { runCycle, type CycleResult } from './cycle.ts';
import type { MatchOptions } from './matching.ts';
import { provisionOnDemand, type OnDemandResult, type OnDemandSubject } from './on-demand.ts';
import { discoverDirectory, type DiscoveredDirectory } from './schema/discover.ts';
import type { DirectoryReader } from '../directory/store.ts';
import { deleteThresholdOf, notificationSettingsOf, type DeleteThreshold } from './delete-threshold.ts';
import { quarantinePolicyOf, type QuarantinePolicy } from './quarantine.ts';
import { runPasswordHashCycle } from './password-hash/password-hash-cycle.ts';
import type { PasswordHashSource } from './password-hash/password-hash-source.ts';
import type { ChangeSource, CycleJob, SyncStore } from './ports.ts';
import { PASSWORD_HASH_RULE_ID, templateSchema } from './schema/password-hash-schema.ts';
import type { SynchronizationSchema } from './schema/synchronization-schema.ts';
import { REAL_TIMERS, Scheduler, type JobRuntime, type Timers, type Trigger } from './scheduler.ts';
import { WakeUps, type WakeTrigger } from './wake-ups.ts';

export interface SyncEngineOptions {
  readonly store: SyncStore;
  readonly source: ChangeSource;
  /** Where AD2AADPasswordHash jobs read hashes (the agents' /PasswordHashes); without it they do not run. */
  readonly passwordHashSource?: PasswordHashSource;
  readonly timers?: Timers;
  readonly jitterRatio?: number;
  readonly now?: () => Date;
  /**
   * Per job: its delete threshold, or undefined for none (every delete goes through at once).
   * `canopy serve` passes thresholdFromSecrets: the job's SyncNotificationSettings secret.
   */
  readonly deleteThresholdFor?: (job: SynchronizationJob) => Promise<DeleteThreshold | undefined>;
  /** Per job: quarantine on failures and escrows (quarantine.ts); `canopy serve` passes quarantineFromSecrets. */
  readonly quarantinePolicyFor?: (job: SynchronizationJob) => Promise<QuarantinePolicy | undefined>;
  /**
   * Several nodes on one store: a job's cycle runs only while this node holds its lease
   * (engine/postgres/lease-runner.ts). Absent on one node, where the scheduler alone keeps
   * a job's cycles apart.
   */
  readonly exclusive?: ExclusiveRunner;
}

/** Runs `work` while holding the job's lease; undefined when another node holds it. */
export interface ExclusiveRunner {
  run<T>(tenantId: string, jobId: string, work: (signal: AbortSignal) => Promise<T>): Promise<{ value: T } | undefined>;
}

/** The API's SynchronizationEvent, structurally (the engine does not depend on the API). */
export interface SynchronizationEventLike {
  readonly type: string;
  readonly tenantId: string;
  readonly jobId?: string;
  readonly servicePrincipalId?: string;
  readonly resetScope?: readonly string[];
}

/** The delete threshold of a job as its service principal's SyncNotificationSettings secret sets it (default on, 500). */
export function thresholdFromSecrets(directory: DirectoryReader): (job: SynchronizationJob) => Promise<DeleteThreshold | undefined> {
  return async (job) => deleteThresholdOf(notificationSettingsOf(await directory.getSynchronizationSecrets(job.tenantId, job.servicePrincipalId)), job.synchronizationJobSettings);
}

/** The quarantine policy of a job: the defaults, QuarantineAfterFailures from its SyncNotificationSettings. */
export function quarantineFromSecrets(directory: DirectoryReader): (job: SynchronizationJob) => Promise<QuarantinePolicy | undefined> {
  return async (job) => quarantinePolicyOf(notificationSettingsOf(await directory.getSynchronizationSecrets(job.tenantId, job.servicePrincipalId)));
}

/** When a quarantined job's next scheduled attempt is due (epoch ms), if it backs off. */
function nextAttemptOf(job: SynchronizationJob): number | undefined {
  const quarantine = job.status.quarantine as { nextAttempt?: string | null } | null | undefined;
  const at = quarantine?.nextAttempt ? Date.parse(quarantine.nextAttempt) : NaN;
  return Number.isNaN(at) ? undefined : at;
}

/** Provisioning jobs run the object cycle; password hash jobs their own (password-hash/). */
const PROVISIONING_TEMPLATE = 'AD2AADProvisioning';

/** A job the engine runs: a provisioning job, or a password hash job when a source for it is wired. */
function runs(job: SynchronizationJob, options: SyncEngineOptions): boolean {
  return job.templateId === PROVISIONING_TEMPLATE || (job.templateId === PASSWORD_HASH_RULE_ID && options.passwordHashSource !== undefined);
}

function setting(job: SynchronizationJob, name: string): string | undefined {
  return job.synchronizationJobSettings.find((s) => s.name.toLowerCase() === name.toLowerCase())?.value;
}

/** What a cycle needs from the job record: domain from its settings, schema or the default. */
export function cycleJobOf(job: SynchronizationJob): CycleJob {
  let domain = setting(job, 'DomainFQDN');
  if (!domain) {
    const packed = setting(job, 'Domain');
    try {
      domain = packed ? (JSON.parse(packed) as { DomainFQDN?: string; domain?: string }).DomainFQDN : undefined;
    } catch {
      domain = undefined;
    }
  }
  if (!domain) throw new CanopyError('ERR_CONFIG_INVALID', `job ${job.id} has no domain: PUT the Domain secret first`);
  return {
    tenantId: job.tenantId,
    jobId: job.id,
    domain,
    schema: (job.schema as SynchronizationSchema | null) ?? templateSchema(job.templateId),
  };
}

function matchOptionsOf(job: SynchronizationJob): MatchOptions {
  return { softMatchOnUpn: setting(job, 'SoftMatchOnUpn')?.toLowerCase() === 'true' };
}

/** The job's domain in lower case, or undefined while it has none (no Domain secret yet). */
function domainOf(job: SynchronizationJob): string | undefined {
  try {
    return cycleJobOf(job).domain.toLowerCase();
  } catch {
    return undefined;
  }
}

export class SyncEngine extends EventEmitter {
  readonly scheduler: Scheduler;
  readonly #options: SyncEngineOptions;
  readonly #abort = new AbortController();
  readonly #wakeUps: WakeUps;

  constructor(options: SyncEngineOptions) {
    super();
    this.#options = options;
    this.#wakeUps = new WakeUps({ timers: options.timers ?? REAL_TIMERS, wakeDomain: (tenantId, domain, trigger) => this.#wakeDomain(tenantId, domain, trigger) });
    this.scheduler = new Scheduler({
      runCycle: (job, trigger) => this.#cycle(job.tenantId, job.jobId, trigger).then(() => undefined),
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.jitterRatio !== undefined ? { jitterRatio: options.jitterRatio } : {}),
    });
    for (const event of ['cycleStarted', 'cycleFinished', 'cycleFailed']) {
      this.scheduler.on(event, (payload: unknown) => this.emit(event, payload));
    }
  }

  /** Schedules every provisioning job in the store (at start-up). */
  async load(): Promise<void> {
    for (const job of await this.#options.store.directory.listAllSynchronizationJobs()) this.jobChanged(job);
  }

  /** Follows a job's record: interval and Active / Paused / Disabled. */
  jobChanged(job: SynchronizationJob): void {
    if (!runs(job, this.#options)) return;
    this.scheduler.upsert({ tenantId: job.tenantId, jobId: job.id, interval: job.schedule.interval, state: job.schedule.state });
    this.#holdFor(job);
  }

  /**
   * The API's onSynchronizationEvent (api/synchronization.ts): re-reads the job and follows
   * it. A started or restarted job runs a cycle at once rather than after its first interval.
   */
  async onSynchronizationEvent(event: SynchronizationEventLike): Promise<void> {
    const { store } = this.#options;
    if (event.type === 'secretsChanged') {
      for (const job of await store.directory.listSynchronizationJobs(event.tenantId, event.servicePrincipalId)) this.jobChanged(job);
      return;
    }
    if (event.jobId === undefined) return;
    if (event.type === 'jobDeleted') {
      this.jobDeleted(event.tenantId, event.jobId);
      return;
    }
    const job = await store.directory.getSynchronizationJob(event.tenantId, event.jobId);
    if (!job) {
      this.jobDeleted(event.tenantId, event.jobId);
      return;
    }
    if (event.type === 'jobRestarted') {
      // ForceDeletes: the next cycle applies the staged deletes whatever the threshold; a
      // restart without it withdraws an earlier ForceDeletes not yet carried out.
      const force = event.resetScope?.includes('ForceDeletes') ?? false;
      await store.transaction((tx) => tx.state.setForceDeletes(event.tenantId, job.id, force));
    }
    this.jobChanged(job);
    if ((event.type === 'jobStarted' || event.type === 'jobRestarted') && runs(job, this.#options)) {
      // Outcome reported through the cycleFinished / cycleFailed events.
      this.runNow(event.tenantId, event.jobId).catch(() => undefined);
    }
  }

  /** The scheduler's clock follows the quarantine's nextAttempt (timers and the status share the epoch). */
  #holdFor(job: SynchronizationJob): void {
    const at = nextAttemptOf(job);
    const timers = this.#options.timers;
    // With injected timers (tests), nextAttempt is translated onto their clock.
    this.scheduler.holdUntil(job.tenantId, job.id, at === undefined ? undefined : timers ? timers.now() + (at - (this.#options.now?.() ?? new Date()).getTime()) : at);
  }

  jobDeleted(tenantId: string, jobId: string): void {
    this.scheduler.remove(tenantId, jobId);
  }

  start(): void {
    this.scheduler.start();
  }

  /** Runs a cycle now (provision on demand, an AD change notification); never beside another. */
  runNow(tenantId: string, jobId: string, trigger: Exclude<Trigger, 'schedule'> = 'onDemand'): Promise<void> {
    return this.scheduler.triggerNow(tenantId, jobId, trigger);
  }

  /**
   * An agent reported an AD change in `domain` ('notification'), or an agent of it connected
   * ('agentConnected'): the tenant's Active provisioning and password hash jobs of that domain run a cycle
   * soon (debounced, never beside a running one; wake-ups.ts).
   */
  wake(tenantId: string, domain: string, trigger: WakeTrigger): void {
    this.#wakeUps.wake(tenantId, domain, trigger);
  }

  async #wakeDomain(tenantId: string, domain: string, trigger: WakeTrigger): Promise<void> {
    for (const job of await this.#options.store.directory.listSynchronizationJobs(tenantId)) {
      if (!runs(job, this.#options) || job.schedule.state !== 'Active' || domainOf(job) !== domain) continue;
      if (!this.scheduler.runtime(tenantId, job.id)) continue; // not loaded (yet): its start runs it
      // Outcome reported through the cycleFinished / cycleFailed events.
      this.scheduler.triggerNow(tenantId, job.id, trigger).catch(() => undefined);
    }
  }

  /** Deletes held by the delete threshold, waiting for a restart (ForceDeletes) or a later cycle. */
  stagedDeletes(tenantId: string, jobId: string): Promise<number> {
    return this.#options.store.state.countStagedDeletes(tenantId, jobId);
  }

  /** The running state for `canopy status`; the last cycle's outcome is in the job's status. */
  runtime(tenantId: string, jobId: string): JobRuntime | undefined {
    return this.scheduler.runtime(tenantId, jobId);
  }

  /**
   * Stops scheduling and waits for running cycles. A running cycle stops at its next page
   * boundary (its committed pages and watermark stand) unless `finishCycles` is set. The
   * store and source stay open: their owners close them.
   */
  async stop(options: { finishCycles?: boolean } = {}): Promise<void> {
    this.#wakeUps.stop();
    if (!options.finishCycles) this.#abort.abort(new CanopyError('ERR_ENGINE_SCHEDULER_STOPPED', 'the engine is stopping'));
    await this.scheduler.stop();
  }

  /**
   * Provision on demand: one object through the cycle's steps now (on-demand.ts), with the
   * job's matching settings. Throws ERR_DIRECTORY_NOT_FOUND for an
   * unknown job.
   */
  async provisionOnDemand(tenantId: string, jobId: string, subject: OnDemandSubject): Promise<OnDemandResult> {
    const record = await this.#options.store.directory.getSynchronizationJob(tenantId, jobId);
    if (!record) throw new CanopyError('ERR_DIRECTORY_NOT_FOUND', `no synchronization job ${jobId}`);
    // One object an admin asked for: its delete (out of scope) goes through, as Entra's does;
    // the delete threshold is about bulk deletes.
    return provisionOnDemand({
      job: cycleJobOf(record),
      source: this.#options.source,
      store: this.#options.store,
      subject,
      ...(this.#options.now ? { now: this.#options.now } : {}),
      match: matchOptionsOf(record),
      signal: this.#abort.signal,
    });
  }

  /** Schema discovery for one directory of the job's schema, read through the agent now (schema/discover.ts). */
  async discoverDirectory(tenantId: string, jobId: string, directoryId: string): Promise<DiscoveredDirectory> {
    const record = await this.#options.store.directory.getSynchronizationJob(tenantId, jobId);
    if (!record) throw new CanopyError('ERR_DIRECTORY_NOT_FOUND', `no synchronization job ${jobId}`);
    return discoverDirectory(cycleJobOf(record), this.#options.source, directoryId, this.#options.now?.() ?? new Date(), this.#abort.signal);
  }

  async #cycle(tenantId: string, jobId: string, trigger: Trigger): Promise<CycleResult | undefined> {
    const record = await this.#options.store.directory.getSynchronizationJob(tenantId, jobId);
    if (!record) {
      this.scheduler.remove(tenantId, jobId);
      return undefined;
    }
    const deleteThreshold = await this.#options.deleteThresholdFor?.(record);
    const quarantinePolicy = await this.#options.quarantinePolicyFor?.(record);
    const { passwordHashSource } = this.#options;
    const cycle = (signal: AbortSignal) => record.templateId === PASSWORD_HASH_RULE_ID && passwordHashSource
      ? runPasswordHashCycle({ job: cycleJobOf(record), source: passwordHashSource, store: this.#options.store, ...(this.#options.now ? { now: this.#options.now } : {}), signal })
      : runCycle({
      job: cycleJobOf(record),
      source: this.#options.source,
      store: this.#options.store,
      ...(this.#options.now ? { now: this.#options.now } : {}),
      ...(deleteThreshold ? { deleteThreshold } : {}),
      ...(quarantinePolicy ? { quarantinePolicy } : {}),
      onQuarantineChange: (change, result) => this.emit('quarantineChanged', { tenantId, jobId, change, ...(result ? { result } : {}) }),
      match: matchOptionsOf(record),
      signal,
    });
    try {
      return await this.#runExclusive(tenantId, jobId, trigger, cycle);
    } finally {
      // The cycle may have entered or left quarantine: the schedule backs off or resumes.
      const after = await this.#options.store.directory.getSynchronizationJob(tenantId, jobId).catch(() => undefined);
      if (after) this.#holdFor(after);
    }
  }

  async #runExclusive(tenantId: string, jobId: string, trigger: Trigger, cycle: (signal: AbortSignal) => Promise<CycleResult>): Promise<CycleResult | undefined> {
    const { exclusive } = this.#options;
    let result: CycleResult;
    if (exclusive) {
      // The lease's signal fires when the lease is lost: the cycle stops at its next page.
      const ran = await exclusive.run(tenantId, jobId, (leaseSignal) => cycle(AbortSignal.any([this.#abort.signal, leaseSignal])));
      if (!ran) {
        this.emit('cycleSkipped', { tenantId, jobId, trigger });
        return undefined;
      }
      result = ran.value;
    } else {
      result = await cycle(this.#abort.signal);
    }
    this.emit('cycleResult', { tenantId, jobId, trigger, result });
    return result;
  }
}
