/**
 * One cycle of an AD2AADPasswordHash job: the password hashes that changed since the job's
 * watermark (all of them on the first cycle), page by page from the agent, each page written
 * in ONE transaction with its watermark, so the watermark moves only after the hashes
 * commit. Only the agent's PPH1 strings are stored, per cloud user, matched on the source
 * anchor (onPremisesImmutableId) among users synced from AD.
 *
 * A hash whose anchor no cloud user holds yet (the user is provisioned later, or moves into
 * scope later) is not kept: its anchor is, as pending. Each cycle ends by looking for the
 * pending anchors that now have a user and reading those users again, by DN, from the agent.
 *
 * Replaying a page (a crash before its commit) writes the same users again with a fresh
 * salt: nothing is lost and nothing is duplicated (one hash per user).
 */
import { randomUUID } from 'node:crypto';
import type { DirectoryUser } from '../../directory/types.ts';
import { newCounters, type CycleCounters } from '../cycle-context.ts';
import type { CycleResult } from '../cycle.ts';
import { executionOf, recordExecution } from '../job-status.ts';
import type { CycleJob, SyncStore, SyncTransaction } from '../ports.ts';
import { SEARCH_BATCH, type PasswordHashObjects, type PasswordHashSource, type PasswordHashSourcePage } from './password-hash-source.ts';

export interface RunPasswordHashCycleOptions {
  readonly job: CycleJob;
  readonly source: PasswordHashSource;
  readonly store: SyncStore;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  readonly cycleId?: string;
  /** Writes lastExecution into the job's status (default true). */
  readonly recordStatus?: boolean;
}

/** Pending anchors looked up per query. */
const PENDING_BATCH = 1000;

type Hash = PasswordHashSourcePage['hashes'][number];

/** Synced (from AD) users holding these anchors, by anchor. */
async function syncedUsersByAnchor(reader: Pick<SyncTransaction['directory'], 'findUsers'>, tenantId: string, anchors: readonly string[]): Promise<Map<string, DirectoryUser>> {
  if (anchors.length === 0) return new Map();
  const users = await reader.findUsers(tenantId, { by: 'onPremisesImmutableId', values: anchors });
  return new Map(users.filter((u) => u.onPremisesSyncEnabled === true && u.onPremisesImmutableId).map((u) => [u.onPremisesImmutableId!, u]));
}

/** Stores the hashes of users the cloud has; returns the anchors it has none for. */
async function storeHashes(tx: SyncTransaction, job: CycleJob, hashes: readonly Hash[], counters: CycleCounters): Promise<string[]> {
  const users = await syncedUsersByAnchor(tx.directory, job.tenantId, hashes.map((h) => h.sourceAnchor));
  const matched: { userId: string; credentialData: string }[] = [];
  const unmatched: string[] = [];
  for (const hash of hashes) {
    const user = users.get(hash.sourceAnchor);
    if (user) matched.push({ userId: user.id, credentialData: hash.credentialData });
    else unmatched.push(hash.sourceAnchor);
  }
  await tx.directory.putUserPasswordHashes(job.tenantId, matched);
  counters.exported += matched.length;
  counters.updated += matched.length;
  return unmatched;
}

async function applyPage(store: SyncStore, job: CycleJob, page: PasswordHashSourcePage, counters: CycleCounters): Promise<void> {
  await store.transaction(async (tx) => {
    const unmatched = await storeHashes(tx, job, page.hashes, counters);
    const without = new Set(unmatched);
    const matched = page.hashes.map((h) => h.sourceAnchor).filter((a) => !without.has(a));
    await tx.directory.addPasswordHashPending(job.tenantId, job.jobId, unmatched);
    // A pending anchor whose hash just arrived with a user is no longer pending.
    await tx.directory.removePasswordHashPending(job.tenantId, job.jobId, matched);
    await tx.directory.setWatermark(job.tenantId, job.jobId, page.watermark);
  });
  counters.skipped += page.skipped.length;
}

/**
 * Pending anchors that a synced user now holds: that user is read again (by its DN) and its
 * hash stored. An anchor leaves pending once read, whatever the answer: a skipped user
 * (must change the password) comes back in a delta when the password changes, one the DC
 * no longer has arrives as a deletion through provisioning.
 */
async function catchUpPending(store: SyncStore, source: PasswordHashSource, job: CycleJob, counters: CycleCounters, signal?: AbortSignal): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await store.directory.listPasswordHashPending(job.tenantId, job.jobId, { limit: PENDING_BATCH, ...(cursor ? { cursor } : {}) });
    cursor = page.cursor;
    const users = [...(await syncedUsersByAnchor(store.directory, job.tenantId, page.items)).values()].filter((u) => u.onPremisesDistinguishedName);
    for (let i = 0; i < users.length; i += SEARCH_BATCH) {
      signal?.throwIfAborted();
      const batch = users.slice(i, i + SEARCH_BATCH);
      const read: PasswordHashObjects = await source.readObjects(job.tenantId, job.domain, batch.map((u) => u.onPremisesDistinguishedName!));
      const wanted = new Set(batch.map((u) => u.onPremisesImmutableId!));
      counters.imported += read.hashes.length + read.skipped.length;
      counters.skipped += read.skipped.length;
      await store.transaction(async (tx) => {
        await storeHashes(tx, job, read.hashes.filter((h) => wanted.has(h.sourceAnchor)), counters);
        await tx.directory.removePasswordHashPending(job.tenantId, job.jobId, [...wanted]);
      });
    }
  } while (cursor !== undefined);
}

export async function runPasswordHashCycle(options: RunPasswordHashCycleOptions): Promise<CycleResult> {
  const { job, store, source, signal } = options;
  const now = options.now ?? (() => new Date());
  const cycleId = options.cycleId ?? randomUUID();
  const began = now();
  const counters = newCounters();
  let mode: 'full' | 'delta' = 'full';
  let pages = 0;
  try {
    const watermark = (await store.directory.getWatermark(job.tenantId, job.jobId)) || undefined;
    mode = watermark === undefined ? 'full' : 'delta';
    for await (const page of source.readPages(job.tenantId, job.domain, watermark, signal)) {
      signal?.throwIfAborted();
      counters.imported += page.hashes.length + page.skipped.length;
      if (mode === 'delta') counters.importedDeltas += page.hashes.length + page.skipped.length;
      await applyPage(store, job, page, counters);
      pages++;
    }
    await catchUpPending(store, source, job, counters, signal);
  } catch (error) {
    if (options.recordStatus !== false && !signal?.aborted) await recordExecution(store, job.tenantId, job.jobId, executionOf(cycleId, counters, began, now(), error)).catch(() => undefined);
    throw error;
  }
  const execution = executionOf(cycleId, counters, began, now());
  if (options.recordStatus !== false) await recordExecution(store, job.tenantId, job.jobId, execution);
  return { cycleId, mode, pages, execution, synchronizedEntryCountByType: [{ key: 'user to User', value: counters.exported }] };
}
