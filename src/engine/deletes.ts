/**
 * The one place where the engine deletes cloud objects. Every deletion — a tombstone, an
 * object leaving scope, an object becoming excluded — passes through `deleteSyncedObject`,
 * so that the delete threshold (Entra: DeleteThresholdValue, default 500; "StagedDelete" in
 * the logs) can hold them back by supplying a DeletePolicy, without touching callers.
 *
 * Users go to deleted items (soft delete; purged after 30 days) and come back on the same
 * anchor through restore. Groups are deleted too (soft in the store, hidden from listings).
 */
import type { SourceObjectState, SyncTransaction } from './ports.ts';
import type { ObjectLog } from './provisioning-log.ts';

export type DeleteReason = 'deleted' | 'out-of-scope' | 'excluded' | 'missing';

export interface DeleteRequest {
  readonly tenantId: string;
  readonly jobId: string;
  readonly state: SourceObjectState;
  readonly reason: DeleteReason;
}

/**
 * Decides per request; 'stage' keeps the object synced, marks it (SourceStateStore
 * stageDeletes) and logs a stagedDelete: staged-deletes.ts applies it later or holds it.
 */
export interface DeletePolicy {
  admit(request: DeleteRequest): 'delete' | 'stage';
}

export const ADMIT_ALL: DeletePolicy = { admit: () => 'delete' };
/** With a delete threshold every delete is staged first and counted at the end of the cycle. */
export const STAGE_ALL: DeletePolicy = { admit: () => 'stage' };

export type DeleteOutcome = 'deleted' | 'staged' | 'absent';

export const REASONS: Record<DeleteReason, string> = {
  deleted: 'the object was deleted in Active Directory',
  'out-of-scope': 'the object left the sync scope',
  excluded: 'the object is excluded from sync',
  missing: 'a full read of the directory no longer returns the object (deleted or out of scope)',
};

export async function deleteSyncedObject(
  tx: SyncTransaction,
  request: DeleteRequest,
  log: ObjectLog,
  at: string,
  policy: DeletePolicy = ADMIT_ALL,
): Promise<DeleteOutcome> {
  const { tenantId, jobId, state } = request;
  const identityType = state.objectType === 'user' ? 'User' : 'Group';
  log.target(state.targetId, null, identityType);
  if (state.targetId === null || state.state !== 'synced') {
    log.step('export', 'skipped', `nothing to delete: ${REASONS[request.reason]} and it has no cloud object`);
    return 'absent';
  }
  if (policy.admit(request) === 'stage') {
    // The row may not exist yet (an object found by anchor with no engine record).
    await tx.state.put(tenantId, jobId, [state]);
    await tx.state.stageDeletes(tenantId, jobId, [{ objectGuid: state.objectGuid, reason: request.reason }], at);
    log.action('stagedDelete').step('export', 'skipped', `delete staged (the delete threshold counts it before it is applied): ${REASONS[request.reason]}`, { reason: request.reason });
    return 'staged';
  }
  const removed = state.objectType === 'user'
    ? await tx.directory.deleteUsers(tenantId, [state.targetId], at)
    : await tx.directory.deleteGroups(tenantId, [state.targetId], at);
  await tx.state.put(tenantId, jobId, [{ ...state, state: request.reason === 'excluded' ? 'excluded' : 'deleted', pendingManager: null }]);
  log.action('delete').step(
    'export',
    'success',
    removed > 0
      ? `${identityType} ${state.objectType === 'user' ? 'moved to deleted items' : 'deleted'}: ${REASONS[request.reason]}`
      : `${identityType} was already deleted: ${REASONS[request.reason]}`,
    { reason: request.reason },
  );
  return removed > 0 ? 'deleted' : 'absent';
}
