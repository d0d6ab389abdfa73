/**
 * What a cycle does after its read: sweep what a full re-read no longer returned, retry
 * escrows, purge what is past retention.
 */
import type { AdChange } from '../core/ad-object.ts';
import { deletedItemsPurgeCutoff, iteratePages } from '../directory/store.ts';
import type { Escrow } from '../directory/types.ts';
import type { CycleContext } from './cycle-context.ts';
import { deleteSyncedObject } from './deletes.ts';
import { applyPage } from './page.ts';
import type { ChangeSource, SyncStore } from './ports.ts';
import { ObjectLog } from './provisioning-log.ts';

const SWEEP_BATCH = 500;
const ESCROW_RETRY_BATCH = 500;
/** An escrow is retried on each next cycle until it has failed this many times… */
export const ESCROW_FREE_RETRIES = 5;
/** …then it waits this long after its last failure, doubling with each further failure… */
export const ESCROW_BACKOFF_BASE_MS = 60_000;
/** …up to a day, as Entra backs a quarantined job off to once a day. */
export const ESCROW_BACKOFF_MAX_MS = 24 * 60 * 60_000;

/** How long after its last failure an escrow that failed `attempts` times is retried. */
export function escrowRetryDelayMs(attempts: number): number {
  if (attempts < ESCROW_FREE_RETRIES) return 0;
  return Math.min(ESCROW_BACKOFF_BASE_MS * 2 ** (attempts - ESCROW_FREE_RETRIES), ESCROW_BACKOFF_MAX_MS);
}

function isDue(escrow: Escrow, now: Date): boolean {
  const delay = escrowRetryDelayMs(escrow.attempts);
  return delay === 0 || now.getTime() - Date.parse(escrow.lastFailedDateTime) >= delay;
}

/**
 * After a full re-read: every synced object the read did not return is gone (deleted, or
 * out of scope) and is deleted, through deletes.ts like every delete. The read's last
 * watermark commits only after, so a crash during the sweep replays the read.
 */
export async function sweepUnseen(ctx: CycleContext, store: SyncStore, token: string, watermark: string): Promise<void> {
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
        if (outcome === 'staged') ctx.counters.staged++;
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
 * to ESCROW_RETRY_BATCH per cycle, in key order; an object the source no longer has is
 * dropped from escrow (its deletion arrives as a change of its own). Each escrow backs off
 * by itself (escrowRetryDelayMs): a conflict fixed soon is picked up on the next cycles,
 * one that stays does not cost a read of AD every two minutes for ever. A change to the
 * object in AD comes with the delta read whatever its back-off.
 */
export async function retryEscrows(ctx: CycleContext, store: SyncStore, source: ChangeSource, signal?: AbortSignal): Promise<void> {
  if (!source.readObject) return;
  const { tenantId, jobId } = ctx.job;
  const now = ctx.now();
  const due: Escrow[] = [];
  // The job's escrows are bounded (EncounteredTotalEscrowThreshold quarantines at 1000).
  for await (const escrow of iteratePages((cursor) => store.directory.listEscrows(tenantId, jobId, { limit: ESCROW_RETRY_BATCH, ...(cursor ? { cursor } : {}) }))) {
    if (ctx.escrowedNow.has(escrow.sourceId) || !isDue(escrow, now)) continue; // failed in this very cycle, or backing off
    due.push(escrow);
    if (due.length >= ESCROW_RETRY_BATCH) break;
  }
  const changes: AdChange[] = [];
  const vanished: string[] = [];
  for (const escrow of due) {
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
export async function purgeExpired(store: SyncStore, tenantId: string, now: Date): Promise<void> {
  const cutoff = deletedItemsPurgeCutoff(now);
  await store.transaction(async (tx) => {
    await tx.directory.purgeDeleted(tenantId, cutoff);
    await tx.directory.purgeProvisioningLogs(tenantId, cutoff);
  });
}
