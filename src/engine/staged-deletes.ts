/**
 * The delete threshold at work. With a threshold, every delete a cycle decides (a
 * tombstone, an object leaving scope, one a full re-read no longer returns) is first
 * staged: the object stays in the cloud, marked, and logged as `stagedDelete`. At the end
 * of the cycle the staged deletes are counted together — those of this cycle and any left
 * from earlier ones — and either all applied, or, at or above the threshold, all held:
 * the job goes to Quarantine with reason TooManyDeletes and nothing is deleted until an
 * admin restarts it (ForceDeletes applies them; a restart without it re-evaluates).
 *
 * The window the threshold counts over. Agents signal AD changes as they happen and a cycle
 * starts within a fraction of a second, so a bulk delete of 600 users reaches the engine
 * spread over many short cycles; a threshold counted per cycle would let each slice through.
 * So a cycle that staged deletes does not count them at once: it waits `settleMs`
 * (DeleteSettleSeconds, default 5 s) and reads the source again, as long as each read brings
 * new deletes and the count is still under the threshold. Deletes are applied only after a
 * read that found none: the whole burst is counted as one. A burst that reaches the
 * threshold stops there (the rest of it is staged by the following cycles, which hold every
 * delete while the job is quarantined). A delete thus waits one settle period before it is
 * applied; a cycle without deletes does not wait at all.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CycleContext } from './cycle-context.ts';
import type { DeleteThreshold } from './delete-threshold.ts';
import { exceeds } from './delete-threshold.ts';
import { ADMIT_ALL, deleteSyncedObject, type DeleteReason } from './deletes.ts';
import { countDelete } from './steps/outcomes.ts';
import type { SourceObjectState, StagedDelete, SyncStore } from './ports.ts';
import { ObjectLog } from './provisioning-log.ts';

/**
 * 'evaluate': count and apply or quarantine; 'hold': the job is quarantined for too many
 * deletes, keep holding; 'force': restart with ForceDeletes, apply whatever the count.
 */
export type StagedDeleteMode = 'evaluate' | 'hold' | 'force';

export interface StagedDeleteOutcome {
  /** Staged deletes still waiting after the cycle (0 once applied). */
  readonly pending: number;
  readonly applied: number;
  /** Set when this cycle found the staged deletes at or above the threshold. */
  readonly tooManyDeletes?: string;
}

const APPLY_BATCH = 500;
/** Re-reads one cycle makes while a bulk delete goes on; the next cycle carries on counting. */
export const MAX_SETTLE_READS = 60;

/** Whether the staged deletes already reach the threshold (no need to wait for more). */
async function reached(ctx: CycleContext, store: SyncStore, threshold: DeleteThreshold): Promise<boolean> {
  const { tenantId, jobId } = ctx.job;
  const pending = await store.state.countStagedDeletes(tenantId, jobId);
  const counts = await store.state.countSynced(tenantId, jobId);
  return exceeds(threshold, pending, counts.user + counts.group) !== undefined;
}

/**
 * After the cycle's read: while the last read staged deletes, wait `settleMs` and read again
 * (`readAgain` reads from the committed watermark), so a burst is counted whole.
 */
export async function settleDeletes(ctx: CycleContext, store: SyncStore, threshold: DeleteThreshold, readAgain: () => Promise<void>, signal?: AbortSignal): Promise<void> {
  let seen = 0;
  for (let reads = 0; ctx.counters.staged > seen && reads < MAX_SETTLE_READS; reads++) {
    if (await reached(ctx, store, threshold)) return;
    seen = ctx.counters.staged;
    await sleep(threshold.settleMs, undefined, signal ? { signal } : {});
    await readAgain();
  }
}

/** Applies, holds or quarantines the job's staged deletes; see the file comment. */
export async function concludeStagedDeletes(ctx: CycleContext, store: SyncStore, threshold: DeleteThreshold, mode: StagedDeleteMode): Promise<StagedDeleteOutcome> {
  const { tenantId, jobId } = ctx.job;
  const pending = await store.state.countStagedDeletes(tenantId, jobId);
  if (mode === 'force') {
    const applied = await applyStagedDeletes(ctx, store, 'restart with resetScope ForceDeletes');
    await store.transaction((tx) => tx.state.setForceDeletes(tenantId, jobId, false));
    return { pending: await store.state.countStagedDeletes(tenantId, jobId), applied };
  }
  if (pending === 0 || mode === 'hold') return { pending, applied: 0 };
  const counts = await store.state.countSynced(tenantId, jobId);
  const tooMany = exceeds(threshold, pending, counts.user + counts.group);
  if (tooMany) return { pending, applied: 0, tooManyDeletes: tooMany };
  const applied = await applyStagedDeletes(ctx, store, `${pending} staged deletes are under the delete threshold`);
  return { pending: await store.state.countStagedDeletes(tenantId, jobId), applied };
}

function sourceStateOf(staged: StagedDelete): SourceObjectState {
  const { objectGuid, anchor, objectType, targetId, dn, state, pendingManager } = staged;
  return { objectGuid, anchor, objectType, targetId, dn, state, pendingManager };
}

/** Deletes every staged object, a batch per transaction, each with its log entry. */
async function applyStagedDeletes(ctx: CycleContext, store: SyncStore, why: string): Promise<number> {
  const { tenantId, jobId } = ctx.job;
  let applied = 0;
  let after: string | undefined;
  for (;;) {
    const batch = await store.state.stagedDeletes(tenantId, jobId, after, APPLY_BATCH);
    if (batch.length === 0) return applied;
    after = batch[batch.length - 1]!.objectGuid;
    await store.transaction(async (tx) => {
      const logs = [];
      for (const staged of batch) {
        const log = new ObjectLog(ctx.log, { id: staged.objectGuid, displayName: null, identityType: staged.objectType, details: { distinguishedName: staged.dn } });
        log.step('import', 'success', `the delete staged at ${staged.stagedAt} is applied: ${why}`);
        const outcome = await deleteSyncedObject(tx, { tenantId, jobId, state: sourceStateOf(staged), reason: staged.stagedReason as DeleteReason }, log, ctx.now().toISOString(), ADMIT_ALL);
        if (outcome === 'deleted') {
          countDelete(ctx);
          applied++;
        }
        logs.push(log.toSummary());
      }
      await tx.state.unstageDeletes(tenantId, jobId, batch.map((s) => s.objectGuid));
      await tx.directory.appendProvisioningLogs(tenantId, logs);
    });
  }
}
