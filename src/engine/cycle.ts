/**
 * One provisioning cycle of one job: a full read on the first run (no watermark), then
 * deltas from the watermark. Pages stream from the source; each page is scoped, mapped,
 * matched and written in ONE transaction together with its watermark, so the watermark
 * moves only after the writes commit. A crash replays the page, and applying a page twice
 * leaves the same state (writes are diffs; creates are found again by anchor).
 */
import { randomUUID } from 'node:crypto';
import { CanopyError, isCanopyError } from '../core/errors.ts';
import { deletedItemsPurgeCutoff } from '../directory/store.ts';
import { sourceAnchorGuid, type AdChange, type AdObject } from '../core/ad-object.ts';
import { newCounters, newPageWork, type CycleContext } from './cycle-context.ts';
import { ADMIT_ALL, deleteSyncedObject, type DeletePolicy } from './deletes.ts';
import { executionOf, recordExecution, type SynchronizationTaskExecution } from './job-status.ts';
import { compileObjectMapping, type CompiledObjectMapping, type FunctionEvaluator } from './mapping.ts';
import type { MatchOptions } from './matching.ts';
import { syncDelete, syncUpsert } from './object-sync.ts';
import { PageLookup } from './page-lookup.ts';
import type { ChangeSource, CycleJob, SourceObjectState, SourcePage, SyncStore, SyncTransaction } from './ports.ts';
import { ObjectLog } from './provisioning-log.ts';
import { resolveLeftovers, resolvePageReferences } from './references.ts';
import { decideScope, objectTypeOf, scopeRulesOf } from './scoping.ts';
import { immutableIdOf } from './source-attributes.ts';
import { checkMappingTargets } from './target-properties.ts';

const SWEEP_BATCH = 500;
const ESCROW_RETRY_BATCH = 500;

export interface RunCycleOptions {
  readonly job: CycleJob;
  readonly source: ChangeSource;
  readonly store: SyncStore;
  readonly now?: () => Date;
  /** The expressions part's evaluator for Function sources; absent until it lands. */
  readonly evaluateFunction?: FunctionEvaluator;
  /** Holds deletes back (the delete threshold); default: every delete goes through. */
  readonly deletePolicy?: DeletePolicy;
  readonly match?: MatchOptions;
  readonly signal?: AbortSignal;
  readonly cycleId?: string;
  /** Writes lastExecution into the job's status (default true). */
  readonly recordStatus?: boolean;
}

export interface CycleResult {
  readonly cycleId: string;
  readonly mode: 'full' | 'delta';
  readonly pages: number;
  readonly execution: SynchronizationTaskExecution;
  readonly synchronizedEntryCountByType: readonly { key: string; value: number }[];
}

function compileMappings(job: CycleJob): CycleContext['mappings'] {
  const rule = job.schema.synchronizationRules[0];
  if (!rule) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', 'the schema has no synchronizationRules');
  const mappings: { user?: CompiledObjectMapping; group?: CompiledObjectMapping } = {};
  for (const objectMapping of rule.objectMappings) {
    if (!objectMapping.enabled) continue;
    const type = objectMapping.sourceObjectName.toLowerCase();
    if (type !== 'user' && type !== 'group') {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `source object ${objectMapping.sourceObjectName} is not supported (user, group)`);
    }
    const compiled = compileObjectMapping(job.schema, objectMapping, rule.targetDirectoryName);
    checkMappingTargets(type, compiled);
    mappings[type] = compiled;
  }
  return mappings;
}

/** Per-object failures the page absorbs (logged, escrowed); anything else rolls the page back. */
function isObjectLevel(error: unknown): boolean {
  return isCanopyError(error, 'ERR_DIRECTORY_CONFLICT') || isCanopyError(error, 'ERR_ENGINE_MAPPING');
}

interface PageOptions {
  /** The token of the full re-read this page belongs to (its objects are marked seen); null clears a stale one. */
  readonly resetToken: string | null | undefined;
  /** false for the last page of a full re-read: its watermark commits after the sweep. */
  readonly commitWatermark: boolean;
}

async function applyPage(ctx: CycleContext, store: SyncStore, source: ChangeSource, page: SourcePage, options: PageOptions, signal?: AbortSignal): Promise<void> {
  const { tenantId, jobId } = ctx.job;
  const guids = page.changes.map((c) => (c.kind === 'upsert' ? c.object.objectGuid : c.objectGuid).toLowerCase());
  const states = await store.state.byObjectGuids(tenantId, jobId, guids);

  // Partial changes for objects not synced yet are read whole first: network I/O happens
  // before the transaction, never inside it.
  const fetched = new Map<string, AdObject>();
  if (source.readObject) {
    for (const change of page.changes) {
      if (change.kind !== 'upsert' || change.complete) continue;
      const guid = change.object.objectGuid.toLowerCase();
      if (states.get(guid)?.state === 'synced' || states.get(guid)?.state === 'excluded') continue;
      if (!decideScope(change.object, ctx.scope).inScope) continue;
      const whole = await source.readObject(ctx.job, guid, signal);
      if (whole) fetched.set(guid, whole);
    }
  }

  await store.transaction(async (tx) => {
    const work = newPageWork(new Map(states), await prefetchTargets(tx, tenantId, page, states));
    for (const change of page.changes) {
      try {
        if (change.kind === 'upsert') await syncUpsert(ctx, tx, work, change, fetched.get(change.object.objectGuid.toLowerCase()));
        else await syncDelete(ctx, tx, work, change);
      } catch (error) {
        if (!isObjectLevel(error)) throw error;
        const last = work.logs[work.logs.length - 1];
        const guid = (change.kind === 'upsert' ? change.object.objectGuid : change.objectGuid).toLowerCase();
        last?.fail({ errorCode: 'ExportFailed', reason: (error as Error).message, errorCategory: 'NonServiceFailure', recommendedAction: 'The object is retried on the next cycles.' });
        work.escrows.push({ sourceId: guid, objectType: 'unknown', error: { errorCode: 'ExportFailed', reason: (error as Error).message } });
        ctx.counters.escrowed++;
        ctx.escrowedNow.add(guid);
      }
    }
    await resolvePageReferences(ctx, tx, work);
    if (work.succeeded.length > 0) await tx.directory.removeEscrows(tenantId, jobId, work.succeeded);
    if (work.escrows.length > 0) await tx.directory.putEscrows(tenantId, jobId, work.escrows);
    if (work.logs.length > 0) await tx.directory.appendProvisioningLogs(tenantId, work.logs.map((l) => l.toSummary()));
    if (options.resetToken === null) await tx.state.setResetToken(tenantId, jobId, null);
    else if (options.resetToken !== undefined) {
      await tx.state.setResetToken(tenantId, jobId, options.resetToken);
      await tx.state.markSeen(tenantId, jobId, page.changes.filter((c) => c.kind === 'upsert').map((c) => (c as { object: AdObject }).object.objectGuid), options.resetToken);
    }
    if (options.commitWatermark) await tx.directory.setWatermark(tenantId, jobId, page.watermark);
  });
}

/** One batched read of the cloud objects this page will be matched against. */
async function prefetchTargets(tx: SyncTransaction, tenantId: string, page: SourcePage, states: Map<string, SourceObjectState>): Promise<PageLookup> {
  const wanted = { userIds: [] as string[], groupIds: [] as string[], userAnchors: [] as string[], groupAnchors: [] as string[] };
  for (const change of page.changes) {
    if (change.kind !== 'upsert') continue;
    const state = states.get(change.object.objectGuid.toLowerCase());
    if (state?.targetId) (state.objectType === 'user' ? wanted.userIds : wanted.groupIds).push(state.targetId);
    else if (!state) {
      const type = objectTypeOf(change.object);
      if (type) (type === 'user' ? wanted.userAnchors : wanted.groupAnchors).push(immutableIdOf(sourceAnchorGuid(change.object)));
    }
  }
  return PageLookup.prefetch(tx.directory, tenantId, wanted);
}

/**
 * After a full re-read: every synced object the read did not return is gone (deleted, or
 * out of scope) and is deleted, through deletes.ts like every delete. The read's last
 * watermark commits only after, so a crash during the sweep replays the read.
 */
async function sweepUnseen(ctx: CycleContext, store: SyncStore, token: string, watermark: string): Promise<void> {
  const { tenantId, jobId } = ctx.job;
  let after: string | undefined;
  for (;;) {
    const batch = await store.state.unseen(tenantId, jobId, token, after, SWEEP_BATCH);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.objectGuid;
    await store.transaction(async (tx) => {
      const logs = [];
      for (const state of batch) {
        const log = new ObjectLog(ctx.log, { id: state.objectGuid, displayName: null, identityType: state.objectType, details: { distinguishedName: state.dn } });
        log.step('import', 'success', 'absent from a full read of the directory');
        const outcome = await deleteSyncedObject(tx, { tenantId, jobId, state, reason: 'missing' }, log, ctx.now().toISOString(), ctx.deletePolicy);
        if (outcome === 'deleted') {
          ctx.counters.deleted++;
          ctx.counters.exported++;
        }
        logs.push(log.toSummary());
      }
      await tx.directory.appendProvisioningLogs(tenantId, logs);
    });
  }
  await store.transaction(async (tx) => {
    await tx.state.setResetToken(tenantId, jobId, null);
    await tx.directory.setWatermark(tenantId, jobId, watermark);
  });
}

/**
 * Objects that failed in earlier cycles (escrows) are read whole again and re-applied, up
 * to ESCROW_RETRY_BATCH per cycle, oldest key first; an object the source no longer has is
 * dropped from escrow (its deletion arrives as a change of its own).
 */
async function retryEscrows(ctx: CycleContext, store: SyncStore, source: ChangeSource, signal?: AbortSignal): Promise<void> {
  if (!source.readObject) return;
  const { tenantId, jobId } = ctx.job;
  const escrows = await store.directory.listEscrows(tenantId, jobId, { limit: ESCROW_RETRY_BATCH });
  const changes: AdChange[] = [];
  const vanished: string[] = [];
  for (const escrow of escrows.items) {
    if (ctx.escrowedNow.has(escrow.sourceId)) continue; // failed in this very cycle
    const object = await source.readObject(ctx.job, escrow.sourceId, signal);
    if (object) changes.push({ kind: 'upsert', object, complete: true });
    else vanished.push(escrow.sourceId);
  }
  if (vanished.length > 0) await store.transaction((tx) => tx.directory.removeEscrows(tenantId, jobId, vanished).then(() => undefined));
  if (changes.length === 0) return;
  ctx.counters.imported += changes.length;
  await applyPage(ctx, store, source, { changes, watermark: '', more: false }, { resetToken: undefined, commitWatermark: false }, signal);
}

/**
 * Entra keeps deleted users and groups, and provisioning logs, for 30 days: what is older
 * goes for good at the end of a cycle.
 */
async function purgeExpired(store: SyncStore, tenantId: string, now: Date): Promise<void> {
  const cutoff = deletedItemsPurgeCutoff(now);
  await store.transaction(async (tx) => {
    await tx.directory.purgeDeleted(tenantId, cutoff);
    await tx.directory.purgeProvisioningLogs(tenantId, cutoff);
  });
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

export async function runCycle(options: RunCycleOptions): Promise<CycleResult> {
  const { job, store, source, signal } = options;
  const now = options.now ?? (() => new Date());
  const cycleId = options.cycleId ?? randomUUID();
  const began = now();
  const counters = newCounters();
  let mode: 'full' | 'delta' = 'full';
  let pages = 0;
  try {
    const mappings = compileMappings(job);
    const scope = scopeRulesOf(job.schema.synchronizationRules[0]!, job.syncAccount);
    // An empty watermark is none: a full read.
    const watermark = (await store.directory.getWatermark(job.tenantId, job.jobId)) || undefined;
    mode = watermark === undefined ? 'full' : 'delta';
    // A full re-read in progress (an earlier cycle crashed in it) keeps its token.
    const persistedToken = await store.state.getResetToken(job.tenantId, job.jobId);
    let resetToken = mode === 'full' ? persistedToken ?? cycleId : undefined;
    let staleToken = persistedToken !== undefined && mode === 'delta';
    let lastWatermark: string | undefined;
    const ctx: CycleContext = {
      job, cycleId, mode, scope, now, counters,
      mappings,
      ...(options.evaluateFunction ? { evaluateFunction: options.evaluateFunction } : {}),
      deletePolicy: options.deletePolicy ?? ADMIT_ALL,
      match: options.match ?? {},
      log: { tenantId: job.tenantId, jobId: job.jobId, cycleId, now },
      escrowedNow: new Set(),
    };
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
    }
    if (resetToken !== undefined && lastWatermark !== undefined) await sweepUnseen(ctx, store, resetToken, lastWatermark);
    await retryEscrows(ctx, store, source, signal);
    await resolveLeftovers(ctx, store);
    await purgeExpired(store, job.tenantId, now());
  } catch (error) {
    const execution = executionOf(cycleId, counters, began, now(), error);
    // A cycle cut short by shutdown is not a failure of the job (it would count toward quarantine).
    if (options.recordStatus !== false && !signal?.aborted) await recordExecution(store, job.tenantId, job.jobId, execution).catch(() => undefined);
    throw error;
  }
  const execution = executionOf(cycleId, counters, began, now());
  if (options.recordStatus !== false) await recordExecution(store, job.tenantId, job.jobId, execution);
  const counts = await store.state.countSynced(job.tenantId, job.jobId);
  return {
    cycleId,
    mode,
    pages,
    execution,
    synchronizedEntryCountByType: [
      { key: 'user to User', value: counts.user },
      { key: 'group to Group', value: counts.group },
    ],
  };
}
