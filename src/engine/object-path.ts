/**
 * One object's path through the engine, in the steps Entra's provisioning log names:
 *
 *   import → scoping → matching → processing → export      (steps/*.ts, in this order)
 *
 * Each step records its own provisioningStep in the object's log and may end the path
 * (out of scope, a conflict, a mapping that fails: logged, and escrowed where it is a
 * failure). The cycle's pages (page.ts), provision on demand (on-demand.ts, a page of one),
 * escrow retries and group-scope reconciliation all run objects through these two
 * functions, inside the page's transaction; per-object problems the steps do not absorb
 * (a conflict the store reports) are escrowed by the page, anything else rolls it back.
 */
import type { CycleContext, PageWork } from './cycle-context.ts';
import { deleteSyncedObject } from './deletes.ts';
import type { SyncTransaction } from './ports.ts';
import { immutableIdOf, type SourceView } from './source-attributes.ts';
import { sourceAnchorGuid, type AdObject } from '../core/ad-object.ts';
import { exportStep } from './steps/export.ts';
import { importUpsert, newObjectLog, type Delete, type ImportedObject, type Upsert } from './steps/import.ts';
import { matchingStep } from './steps/matching.ts';
import { countDelete, failObject, type ObjectInput } from './steps/outcomes.ts';
import { processingStep } from './steps/processing.ts';
import { scopingStep } from './steps/scoping.ts';

export async function syncUpsert(ctx: CycleContext, tx: SyncTransaction, work: PageWork, change: Upsert, fetched?: AdObject): Promise<void> {
  const imported = importUpsert(ctx, work, change, fetched);
  if (!imported) return;
  if (!(await scopingStep(ctx, tx, work, imported))) return;
  const input = provisionable(ctx, work, imported);
  if (!input) return;
  const matched = await matchingStep(ctx, tx, work, input);
  if (!matched) return;
  const mapped = processingStep(ctx, work, input, matched);
  if (!mapped) return;
  await exportStep(ctx, tx, work, input, matched, mapped);
}

/**
 * Between scoping and matching: the objectMapping that provisions the object (a disabled
 * one skips it), and an object the engine has never synced must be known whole.
 */
function provisionable(ctx: CycleContext, work: PageWork, imported: ImportedObject): ObjectInput | undefined {
  const { object, complete, guid, state, objectType, log } = imported;
  const inetOrgPerson = objectType === 'user' && object.objectClasses.some((c) => c.toLowerCase() === 'inetorgperson');
  const compiled = inetOrgPerson ? ctx.mappings.inetOrgPerson : ctx.mappings[objectType];
  if (!compiled) {
    log.step('processing', 'skipped', `the ${objectType} objectMapping is disabled`).skip();
    ctx.counters.skipped++;
    return undefined;
  }
  if (!complete && state?.state !== 'synced') {
    failObject(ctx, work, log, guid, objectType, {
      errorCode: 'IncompleteSourceObject',
      reason: 'a partial change arrived for an object that is not synced yet, and the source could not read it whole',
      errorCategory: 'Retryable',
      recommendedAction: 'The object is retried from escrow; a full sync (restart with resetScope Full) also brings it in.',
    });
    return undefined;
  }
  const view: SourceView = { object, complete, anchor: state?.anchor ?? immutableIdOf(sourceAnchorGuid(object)) };
  return { view, guid, state, log, compiled, objectType, ...(imported.change.memberChanges ? { memberChanges: imported.change.memberChanges } : {}) };
}

/** A tombstone (or an object the source reports out of scope): import, then the delete path. */
export async function syncDelete(ctx: CycleContext, tx: SyncTransaction, work: PageWork, change: Delete): Promise<void> {
  const guid = change.objectGuid.toLowerCase();
  let state = work.states.get(guid);
  if (state === undefined) {
    // No record (state lost, or synced before the engine kept one): a hard match on the
    // objectGUID-based anchor still finds it.
    const anchor = immutableIdOf(guid);
    const user = await tx.directory.findUser(ctx.job.tenantId, { onPremisesImmutableId: anchor });
    const group = user ? undefined : await tx.directory.findGroup(ctx.job.tenantId, { sourceAnchor: anchor });
    const found = user ?? group;
    if (!found || found.deletedDateTime !== null) return;
    state = { objectGuid: guid, anchor, objectType: user ? 'user' : 'group', targetId: found.id, dn: found.onPremisesDistinguishedName ?? change.dn ?? '', state: 'synced', pendingManager: null };
  }
  if (state.state === 'excluded') return;
  const log = newObjectLog(ctx, work, guid, state.objectType, null, change.dn ?? state.dn);
  log.step('import', 'success', change.reason === 'deleted' ? 'the object was deleted in Active Directory' : 'the source reports the object out of scope');
  const outcome = await deleteSyncedObject(tx, { tenantId: ctx.job.tenantId, jobId: ctx.job.jobId, state, reason: change.reason }, log, ctx.now().toISOString(), ctx.deletePolicy);
  if (outcome === 'deleted') countDelete(ctx);
  if (outcome === 'staged') ctx.counters.staged++;
  if (outcome !== 'staged') work.states.set(guid, { ...state, state: 'deleted', pendingManager: null });
  work.succeeded.push(guid);
}
