/**
 * One provisioning cycle of one job: a full read on the first run (no watermark), then
 * deltas from the watermark. Pages stream from the source; each page is scoped, mapped,
 * matched and written in ONE transaction together with its watermark, so the watermark
 * moves only after the writes commit. A crash replays the page, and applying a page twice
 * leaves the same state (writes are diffs; creates are found again by anchor).
 */
import { randomUUID } from 'node:crypto';
import { CanopyError } from '../core/errors.ts';
import { purgeExpired, retryEscrows, sweepUnseen } from './after-read.ts';
import { readScopeRules, reconcileGroupScope } from './group-scope.ts';
import { newCounters, type CycleContext } from './cycle-context.ts';
import type { DeleteThreshold } from './delete-threshold.ts';
import { ADMIT_ALL, STAGE_ALL, type DeletePolicy } from './deletes.ts';
import { PROGRESS_EVERY_MS, executionOf, recordExecution, recordProgress, type QuarantineChange, type QuarantineRequest, type SynchronizationTaskExecution } from './job-status.ts';
import { compileObjectMapping, type CompiledObjectMapping } from './mapping.ts';
import type { MatchOptions } from './matching.ts';
import { applyPage } from './page.ts';
import type { ChangeSource, CycleJob, SyncStore } from './ports.ts';
import { resolveLeftovers } from './references.ts';
import type { QuarantinePolicy } from './quarantine.ts';
import { concludeStagedDeletes, settleDeletes, type StagedDeleteOutcome, type StagedDeleteMode } from './staged-deletes.ts';
import { checkMappingTargets } from './target-properties.ts';

export interface RunCycleOptions {
  readonly job: CycleJob;
  readonly source: ChangeSource;
  readonly store: SyncStore;
  readonly now?: () => Date;
  /** Holds deletes back per request; default: every delete goes through. */
  readonly deletePolicy?: DeletePolicy;
  /**
   * The delete threshold (delete-threshold.ts): every delete is staged and counted at the
   * end of the cycle (staged-deletes.ts). Overrides deletePolicy.
   */
  readonly deleteThreshold?: DeleteThreshold;
  readonly match?: MatchOptions;
  readonly signal?: AbortSignal;
  readonly cycleId?: string;
  /** Quarantine on failures and escrows (quarantine.ts); absent: only the delete threshold quarantines. */
  readonly quarantinePolicy?: QuarantinePolicy;
  /** Told of each quarantine transition (entered, released), for one notification each. */
  readonly onQuarantineChange?: (change: QuarantineChange, result: CycleResult | undefined) => void;
  /** Writes lastExecution into the job's status (default true). */
  readonly recordStatus?: boolean;
}

export interface CycleResult {
  readonly cycleId: string;
  readonly mode: 'full' | 'delta';
  readonly pages: number;
  readonly execution: SynchronizationTaskExecution;
  readonly synchronizedEntryCountByType: readonly { key: string; value: number }[];
  /** With a delete threshold: what became of the staged deletes. */
  readonly stagedDeletes?: StagedDeleteOutcome;
  /** How the job's quarantine changed with this cycle, if it did. */
  readonly quarantine?: QuarantineChange;
}

/**
 * Compiles the schema's enabled object mappings (expressions parsed and validated). The
 * schema API runs it on a PUT, so a schema the cycle would refuse is refused there.
 */
export function compileMappings(schema: CycleJob['schema']): CycleContext['mappings'] {
  const rule = schema.synchronizationRules[0];
  if (!rule) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', 'the schema has no synchronizationRules');
  const mappings: { user?: CompiledObjectMapping; inetOrgPerson?: CompiledObjectMapping; group?: CompiledObjectMapping } = {};
  for (const objectMapping of rule.objectMappings) {
    if (!objectMapping.enabled) continue;
    const source = objectMapping.sourceObjectName.toLowerCase();
    const key = source === 'inetorgperson' ? 'inetOrgPerson' : source;
    if (key !== 'user' && key !== 'group' && key !== 'inetOrgPerson') {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `source object ${objectMapping.sourceObjectName} is not supported (user, inetOrgPerson, group)`);
    }
    const compiled = withoutPasswordHash(compileObjectMapping(schema, objectMapping, rule.targetDirectoryName, rule.sourceDirectoryName));
    checkMappingTargets(key === 'group' ? 'group' : 'user', compiled);
    mappings[key] = compiled;
  }
  return mappings;
}

/**
 * CredentialData (← [PasswordHash]) sits in the provisioning job's user mappings, as the
 * walkthrough adds it there; the password hash job writes it, so provisioning leaves it out.
 */
function withoutPasswordHash(compiled: CompiledObjectMapping): CompiledObjectMapping {
  const attributes = compiled.attributes.filter((a) => a.definition.name.toLowerCase() !== 'credentialdata');
  return attributes.length === compiled.attributes.length ? compiled : { ...compiled, attributes, matching: compiled.matching.filter((a) => attributes.includes(a)) };
}

/**
 * Asks the source for the next page while the current one is being written, so reading
 * (LDAP, relay round trips) and writing overlap; at most two pages are held at once.
 */
async function* lookahead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  try {
    for (;;) {
      const result = await pending;
      if (result.done) return;
      pending = iterator.next();
      // A failure of the page read ahead surfaces when it is awaited, not as unhandled.
      pending.catch(() => undefined);
      yield result.value;
    }
  } finally {
    await pending.then(() => iterator.return?.(), () => undefined);
  }
}

/** Where a job's deletes stand when a cycle begins: quarantined for too many, forced, or neither. */
async function stagedDeleteMode(store: SyncStore, job: CycleJob): Promise<StagedDeleteMode> {
  if (await store.state.getForceDeletes(job.tenantId, job.jobId)) return 'force';
  const record = await store.directory.getSynchronizationJob(job.tenantId, job.jobId);
  const quarantine = record?.status.quarantine as { reason?: string } | null | undefined;
  return quarantine?.reason === 'TooManyDeletes' ? 'hold' : 'evaluate';
}

/**
 * Reads from the committed watermark (all of it when there is none) and applies it page by
 * page; after a full re-read, sweeps what it no longer returned. Returns the pages read.
 */
async function readAndApply(ctx: CycleContext, store: SyncStore, source: ChangeSource, signal: AbortSignal | undefined): Promise<number> {
  const { job, cycleId, counters } = ctx;
  // An empty watermark is none: a full read.
  const watermark = (await store.directory.getWatermark(job.tenantId, job.jobId)) || undefined;
  const mode = watermark === undefined ? 'full' : 'delta';
  // A full re-read in progress (an earlier cycle crashed in it) keeps its token.
  const persistedToken = await store.state.getResetToken(job.tenantId, job.jobId);
  let resetToken = mode === 'full' ? persistedToken ?? cycleId : undefined;
  let staleToken = persistedToken !== undefined && mode === 'delta';
  let lastWatermark: string | undefined;
  let pages = 0;
  for await (const page of lookahead(source.readDelta(job, watermark, signal))) {
    signal?.throwIfAborted();
    counters.imported += page.changes.length;
    if (mode === 'delta') counters.importedDeltas += page.changes.length;
    if (page.reset !== undefined) {
      resetToken ??= persistedToken ?? cycleId;
      staleToken = false;
    }
    const holdBack = resetToken !== undefined && !page.more;
    // A plain delta after a re-read that never finished: forget its marks rather than
    // sweep with them (no delete without a complete read to justify it).
    const token = staleToken && resetToken === undefined ? null : resetToken;
    await applyPage(ctx, store, source, page, { resetToken: token, commitWatermark: !holdBack }, signal);
    staleToken = false;
    lastWatermark = page.watermark;
    pages++;
    await ctx.progress?.();
  }
  if (resetToken !== undefined && lastWatermark !== undefined) await sweepUnseen(ctx, store, resetToken, lastWatermark);
  return pages;
}

export async function runCycle(options: RunCycleOptions): Promise<CycleResult> {
  const { job, store, source, signal, deleteThreshold } = options;
  const now = options.now ?? (() => new Date());
  const cycleId = options.cycleId ?? randomUUID();
  const began = now();
  const counters = newCounters();
  let mode: 'full' | 'delta' = 'full';
  let pages = 0;
  let stagedDeletes: StagedDeleteOutcome | undefined;
  try {
    const mappings = compileMappings(job.schema);
    const scope = await readScopeRules(job, source, signal);
    mode = (await store.directory.getWatermark(job.tenantId, job.jobId)) ? 'delta' : 'full';
    const deleteMode = deleteThreshold ? await stagedDeleteMode(store, job) : 'evaluate';
    const ctx: CycleContext = {
      job, cycleId, mode, scope, now, counters,
      mappings,
      deletePolicy: deleteThreshold ? STAGE_ALL : options.deletePolicy ?? ADMIT_ALL,
      hadStagedDeletes: deleteThreshold ? (await store.state.countStagedDeletes(job.tenantId, job.jobId)) > 0 : false,
      match: options.match ?? {},
      log: { tenantId: job.tenantId, jobId: job.jobId, cycleId, now },
      escrowedNow: new Set(),
      ...(options.recordStatus !== false ? { progress: progressWriter(store, job, counters, mode, now) } : {}),
    };
    pages += await readAndApply(ctx, store, source, signal);
    await reconcileGroupScope(ctx, store, source, signal);
    if (deleteThreshold && deleteMode === 'evaluate') {
      await settleDeletes(ctx, store, deleteThreshold, async () => void (pages += await readAndApply(ctx, store, source, signal)), signal);
    }
    await retryEscrows(ctx, store, source, signal);
    await resolveLeftovers(ctx, store);
    if (deleteThreshold) stagedDeletes = await concludeStagedDeletes(ctx, store, deleteThreshold, deleteMode);
    await purgeExpired(store, job.tenantId, now());
  } catch (error) {
    const execution = executionOf(cycleId, counters, began, now(), error);
    // A cycle cut short by shutdown is not a failure of the job (it would count toward quarantine).
    if (options.recordStatus !== false && !signal?.aborted) {
      const change = await recordExecution(store, job.tenantId, job.jobId, execution, undefined, options.quarantinePolicy).catch(() => undefined);
      if (change) options.onQuarantineChange?.(change, undefined);
    }
    throw error;
  }
  const execution = executionOf(cycleId, counters, began, now());
  const change = quarantineChangeOf(stagedDeletes, now());
  const quarantine = options.recordStatus !== false ? await recordExecution(store, job.tenantId, job.jobId, execution, change, options.quarantinePolicy) : undefined;
  const counts = await store.state.countSynced(job.tenantId, job.jobId);
  const result: CycleResult = {
    cycleId,
    mode,
    pages,
    execution,
    synchronizedEntryCountByType: [
      { key: 'user to User', value: counts.user },
      { key: 'group to Group', value: counts.group },
    ],
    ...(stagedDeletes ? { stagedDeletes } : {}),
    ...(quarantine ? { quarantine } : {}),
  };
  if (quarantine) options.onQuarantineChange?.(quarantine, result);
  return result;
}

/** Writes progress at most every PROGRESS_EVERY_MS (the first after one page). */
function progressWriter(store: SyncStore, job: CycleJob, counters: CycleContext['counters'], mode: 'full' | 'delta', now: () => Date): () => Promise<void> {
  let last = now().getTime();
  let estimate: number | undefined;
  return async () => {
    const at = now();
    if (at.getTime() - last < PROGRESS_EVERY_MS) return;
    last = at.getTime();
    if (estimate === undefined) {
      const counts = mode === 'full' ? await store.state.countSynced(job.tenantId, job.jobId) : { user: 0, group: 0 };
      estimate = counts.user + counts.group;
    }
    await recordProgress(store, job.tenantId, job.jobId, counters, estimate > 0 ? Math.max(estimate, counters.imported) : 0, at);
  };
}

/** TooManyDeletes: entered when the threshold trips, released once no staged delete is left. */
function quarantineChangeOf(outcome: StagedDeleteOutcome | undefined, at: Date): QuarantineRequest | undefined {
  if (!outcome) return undefined;
  if (outcome.tooManyDeletes) {
    return {
      enter: {
        reason: 'TooManyDeletes',
        at,
        nextAttempt: null,
        error: {
          code: 'TooManyDeletes',
          message: `Delete threshold exceeded: ${outcome.tooManyDeletes}. Nothing was deleted; the ${outcome.pending} deletes are staged (stagedDelete in the provisioning logs). Restart the job with resetScope ForceDeletes to apply them, or restart it without ForceDeletes to evaluate them again once the source is fixed.`,
          tenantActionable: true,
        },
      },
    };
  }
  return outcome.pending === 0 ? { release: ['TooManyDeletes'] } : undefined;
}
