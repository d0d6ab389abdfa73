/**
 * One source change through scope → map → match → write, inside the page's transaction.
 * Per-object problems (a conflict, a mapping that fails, a change that cannot be applied)
 * are logged and escrowed and the page goes on; anything else (the store failing) throws
 * and rolls the page back, to be replayed.
 */
import { sourceAnchorGuid, type AdChange, type AdObject } from '../core/ad-object.ts';
import type { CycleContext, PageWork } from './cycle-context.ts';
import { deleteSyncedObject } from './deletes.ts';
import { leafRdnValue } from '../core/dn.ts';
import { syncGroup } from './group-sync.ts';
import { countDelete, failObject, type Upsert } from './object-steps.ts';
import type { SourceObjectState, SyncTransaction } from './ports.ts';
import { ObjectLog } from './provisioning-log.ts';
import { decideScope, objectTypeOf } from './scoping.ts';
import { immutableIdOf, readAttribute, type SourceView } from './source-attributes.ts';
import { syncUser } from './user-sync.ts';

type Delete = Extract<AdChange, { kind: 'delete' }>;

function displayNameOf(object: AdObject): string | null {
  const view: SourceView = { object, complete: false, anchor: '' };
  return readAttribute(view, 'displayName')?.[0] ?? leafRdnValue(object.dn) ?? null;
}

function newLog(ctx: CycleContext, guid: string, objectType: string, displayName: string | null, dn: string | undefined): ObjectLog {
  return new ObjectLog(ctx.log, {
    id: guid,
    displayName,
    identityType: objectType,
    details: dn === undefined ? {} : { distinguishedName: dn },
  });
}

function isInetOrgPerson(object: AdObject): boolean {
  return object.objectClasses.some((c) => c.toLowerCase() === 'inetorgperson');
}

export async function syncUpsert(ctx: CycleContext, tx: SyncTransaction, work: PageWork, change: Upsert, fetched?: AdObject): Promise<void> {
  const object = fetched ?? change.object;
  const complete = fetched !== undefined || change.complete;
  const guid = object.objectGuid.toLowerCase();
  const state = work.states.get(guid);
  if (state?.state === 'excluded') return;
  const decision = decideScope(object, ctx.scope, complete);
  const objectType = decision.inScope ? decision.objectType : state?.objectType ?? objectTypeOf(object);
  if (objectType === undefined) return; // computers, contacts, OUs: not synced, not logged
  const log = newLog(ctx, guid, objectType, displayNameOf(object), object.dn);
  work.logs.push(log);
  log.step('import', 'success', complete ? 'the object was read whole' : 'a change to the object was read', { complete });

  if (!decision.inScope) {
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
    return;
  }
  log.step('scoping', 'success', 'the object is in scope');
  ctx.counters.entitled++;
  work.returned.push(guid);

  const compiled = objectType === 'user' && isInetOrgPerson(object) ? ctx.mappings.inetOrgPerson : ctx.mappings[objectType];
  if (!compiled) {
    log.step('processing', 'skipped', `the ${objectType} objectMapping is disabled`).skip();
    ctx.counters.skipped++;
    return;
  }
  if (!complete && state?.state !== 'synced') {
    failObject(ctx, work, log, guid, objectType, {
      errorCode: 'IncompleteSourceObject',
      reason: 'a partial change arrived for an object that is not synced yet, and the source could not read it whole',
      errorCategory: 'Retryable',
      recommendedAction: 'The object is retried from escrow; a full sync (restart with resetScope Full) also brings it in.',
    });
    return;
  }
  const anchor = state?.anchor ?? immutableIdOf(sourceAnchorGuid(object));
  const view: SourceView = { object, complete, anchor };
  if (objectType === 'user') await syncUser(ctx, tx, work, { view, guid, state, log, compiled });
  else await syncGroup(ctx, tx, work, { view, guid, state, log, compiled, memberChanges: change.memberChanges });
}

/** A tombstone (or an object the source reports out of scope). */
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
  const log = newLog(ctx, guid, state.objectType, null, change.dn ?? state.dn);
  work.logs.push(log);
  log.step('import', 'success', change.reason === 'deleted' ? 'the object was deleted in Active Directory' : 'the source reports the object out of scope');
  const outcome = await deleteSyncedObject(tx, { tenantId: ctx.job.tenantId, jobId: ctx.job.jobId, state, reason: change.reason }, log, ctx.now().toISOString(), ctx.deletePolicy);
  if (outcome === 'deleted') countDelete(ctx);
  if (outcome === 'staged') ctx.counters.staged++;
  if (outcome !== 'staged') work.states.set(guid, { ...state, state: 'deleted', pendingManager: null });
  work.succeeded.push(guid);
}
