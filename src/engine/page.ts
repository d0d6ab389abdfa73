/**
 * One page of changes, applied in ONE transaction together with its watermark: source
 * state read in one batch, partial changes of unknown objects read whole first (outside the
 * transaction), the cloud objects prefetched (by id, anchor and soft-match key) with the
 * page's managers, each change synced, references resolved, escrows, logs and the full
 * re-read marks written, then the watermark. Reads are a few batched queries per page, not
 * one per object: bench/sync-throughput.ts measures the whole (npm run bench).
 */
import { sourceAnchorGuid, type AdObject } from '../core/ad-object.ts';
import { isCanopyError } from '../core/errors.ts';
import { newPageWork, type CycleContext, type PageWork } from './cycle-context.ts';
import { referenceKey } from '../core/dn.ts';
import { syncDelete, syncUpsert } from './object-path.ts';
import { PageLookup } from './page-lookup.ts';
import type { ChangeSource, SourceObjectState, SourcePage, SyncStore, SyncTransaction } from './ports.ts';
import { resolveKeys, resolvePageReferences } from './references.ts';
import { decideScope, objectTypeOf } from './scoping.ts';
import { immutableIdOf, readAttribute } from './source-attributes.ts';
import { primarySmtpAddress } from './matching.ts';
import { observeUserWrites } from './soft-match-keys.ts';
import type { ObjectLog } from './provisioning-log.ts';

/** Per-object failures the page absorbs (logged, escrowed); anything else rolls the page back. */
function isObjectLevel(error: unknown): boolean {
  return isCanopyError(error, 'ERR_DIRECTORY_CONFLICT') || isCanopyError(error, 'ERR_ENGINE_MAPPING');
}

export interface PageOptions {
  /** The token of the full re-read this page belongs to (its objects are marked seen); null clears a stale one. */
  readonly resetToken: string | null | undefined;
  /** false for the last page of a full re-read: its watermark commits after the sweep. */
  readonly commitWatermark: boolean;
}

/** Applies the page; returns the provisioning log of each object it processed (committed). */
export async function applyPage(ctx: CycleContext, store: SyncStore, source: ChangeSource, page: SourcePage, options: PageOptions, signal?: AbortSignal): Promise<readonly ObjectLog[]> {
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
      if (!decideScope(change.object, ctx.scope, false).inScope) continue;
      const whole = await source.readObject(ctx.job, guid, signal);
      if (whole) fetched.set(guid, whole);
    }
  }

  return store.transaction(async (raw) => {
    const lookup = await prefetchTargets(raw, tenantId, page, states);
    const tx: SyncTransaction = { directory: observeUserWrites(raw.directory, lookup.softKeys), state: raw.state };
    const work = newPageWork(new Map(states), lookup, await prefetchManagers(ctx, raw, page));
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
    if (work.returned.length > 0 && (ctx.hadStagedDeletes || ctx.counters.staged > 0)) await tx.state.unstageDeletes(tenantId, jobId, work.returned);
    if (work.escrows.length > 0) await tx.directory.putEscrows(tenantId, jobId, work.escrows);
    if (work.logs.length > 0) await tx.directory.appendProvisioningLogs(tenantId, work.logs.map((l) => l.toSummary()));
    if (options.resetToken === null) await tx.state.setResetToken(tenantId, jobId, null);
    else if (options.resetToken !== undefined) {
      await tx.state.setResetToken(tenantId, jobId, options.resetToken);
      await tx.state.markSeen(tenantId, jobId, page.changes.filter((c) => c.kind === 'upsert').map((c) => (c as { object: AdObject }).object.objectGuid), options.resetToken);
    }
    if (options.commitWatermark) await tx.directory.setWatermark(tenantId, jobId, page.watermark);
    return work.logs;
  });
}

/** The synced objects the page's users name as manager, in one batched read (cycle-context knownTargets). */
async function prefetchManagers(ctx: CycleContext, tx: SyncTransaction, page: SourcePage): Promise<PageWork['knownTargets']> {
  const keys = new Set<string>();
  for (const change of page.changes) {
    if (change.kind !== 'upsert' || objectTypeOf(change.object) !== 'user') continue;
    const manager = readAttribute({ object: change.object, complete: change.complete, anchor: '' }, 'manager')?.[0];
    if (manager) keys.add(referenceKey(manager));
  }
  const known: PageWork['knownTargets'] = new Map();
  if (keys.size === 0) return known;
  for (const [key, state] of await resolveKeys(tx.state, ctx.job.tenantId, ctx.job.jobId, keys)) {
    if (state.targetId) known.set(key, { targetId: state.targetId, objectType: state.objectType });
  }
  return known;
}

/** One batched read of the cloud objects this page will be matched against. */
async function prefetchTargets(tx: SyncTransaction, tenantId: string, page: SourcePage, states: Map<string, SourceObjectState>): Promise<PageLookup> {
  const wanted = { userIds: [] as string[], groupIds: [] as string[], userAnchors: [] as string[], groupAnchors: [] as string[] };
  const soft = { mail: [] as string[], userPrincipalName: [] as string[], proxyAddress: [] as string[] };
  for (const change of page.changes) {
    if (change.kind !== 'upsert') continue;
    const state = states.get(change.object.objectGuid.toLowerCase());
    if (state?.targetId) (state.objectType === 'user' ? wanted.userIds : wanted.groupIds).push(state.targetId);
    else if (!state) {
      const type = objectTypeOf(change.object);
      if (type) (type === 'user' ? wanted.userAnchors : wanted.groupAnchors).push(immutableIdOf(sourceAnchorGuid(change.object)));
      if (type === 'user' && change.complete) addSoftKeys(soft, change.object);
    }
  }
  return PageLookup.prefetch(tx.directory, tenantId, { ...wanted, soft });
}

/**
 * The keys matchUser will ask about for a new user, read from the default mapping's sources
 * (mail, proxyAddresses, userPrincipalName). A custom mapping that matches on other values
 * only misses the prefetch: those lookups go to the transaction.
 */
function addSoftKeys(soft: { mail: string[]; userPrincipalName: string[]; proxyAddress: string[] }, object: AdObject): void {
  const view = { object, complete: true, anchor: '' };
  const smtp = primarySmtpAddress(readAttribute(view, 'mail')?.[0] ?? null, readAttribute(view, 'proxyAddresses') ?? []);
  if (smtp !== null) {
    soft.mail.push(smtp);
    soft.proxyAddress.push(`smtp:${smtp}`);
  }
  const upn = readAttribute(view, 'userPrincipalName')?.[0];
  if (upn) soft.userPrincipalName.push(upn);
}
