/**
 * Step 2, scoping: whether the job provisions the object (scoping.ts decides: containers or
 * groups, attribute scoping filters, exclusions). An object out of scope ends here: a synced
 * one goes down the delete path (deletes.ts: delete threshold, logged), one never synced is
 * skipped, and an excluded one is recorded so that it is never provisioned.
 */
import { sourceAnchorGuid } from '../../core/ad-object.ts';
import type { CycleContext, PageWork } from '../cycle-context.ts';
import { deleteSyncedObject } from '../deletes.ts';
import type { SourceObjectState, SyncTransaction } from '../ports.ts';
import { decideScope } from '../scoping.ts';
import { immutableIdOf } from '../source-attributes.ts';
import type { ImportedObject } from './import.ts';
import { countDelete } from './outcomes.ts';

/** true when the object is in scope and goes on to matching. */
export async function scopingStep(ctx: CycleContext, tx: SyncTransaction, work: PageWork, imported: ImportedObject): Promise<boolean> {
  const { object, complete, guid, state, objectType, log } = imported;
  const decision = decideScope(object, ctx.scope, complete);
  if (decision.inScope) {
    log.step('scoping', 'success', 'the object is in scope');
    ctx.counters.entitled++;
    work.returned.push(guid);
    return true;
  }
  log.step('scoping', 'skipped', decision.reason);
  if (state?.state === 'synced') {
    const reason = decision.kind === 'excluded' ? 'excluded' : 'out-of-scope';
    const outcome = await deleteSyncedObject(tx, { tenantId: ctx.job.tenantId, jobId: ctx.job.jobId, state, reason }, log, ctx.now().toISOString(), ctx.deletePolicy);
    if (outcome !== 'staged') work.states.set(guid, { ...state, state: reason === 'excluded' ? 'excluded' : 'deleted', pendingManager: null });
    if (outcome === 'deleted') countDelete(ctx);
    if (outcome === 'staged') ctx.counters.staged++;
  } else {
    log.skip();
    ctx.counters.skipped++;
    if (decision.kind === 'excluded') {
      const excluded: SourceObjectState = {
        objectGuid: guid, anchor: state?.anchor ?? immutableIdOf(sourceAnchorGuid(object)), objectType,
        targetId: state?.targetId ?? null, dn: object.dn, state: 'excluded', pendingManager: null,
      };
      await tx.state.put(ctx.job.tenantId, ctx.job.jobId, [excluded]);
      work.states.set(guid, excluded);
    }
  }
  work.succeeded.push(guid);
  return false;
}
