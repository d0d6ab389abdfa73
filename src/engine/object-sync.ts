/**
 * One source change through scope → map → match → write, inside the page's transaction.
 * Per-object problems (a conflict, a mapping that fails, a change that cannot be applied)
 * are logged and escrowed and the page goes on; anything else (the store failing) throws
 * and rolls the page back, to be replayed.
 */
import { sourceAnchorGuid, type AdChange, type AdObject } from '../core/ad-object.ts';
import type { DirectoryGroup, DirectoryUser } from '../directory/types.ts';
import type { CycleContext, PageWork } from './cycle-context.ts';
import { deleteSyncedObject } from './deletes.ts';
import { leafRdnValue, normalizeDn } from './dn.ts';
import { evaluateMapping, type MappedObject } from './mapping.ts';
import { matchGroup, matchUser, type MatchOutcome } from './matching.ts';
import type { SourceObjectState, SyncTransaction } from './ports.ts';
import { ObjectLog, type ErrorInformation } from './provisioning-log.ts';
import { decideScope, objectTypeOf } from './scoping.ts';
import { immutableIdOf, readAttribute, type SourceView } from './source-attributes.ts';
import { diffProperties, toStoreProperties, type ObjectType } from './target-properties.ts';

type Upsert = Extract<AdChange, { kind: 'upsert' }>;
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

function failObject(ctx: CycleContext, work: PageWork, log: ObjectLog, guid: string, objectType: string, error: ErrorInformation): void {
  log.fail(error);
  work.escrows.push({ sourceId: guid, objectType, error: { errorCode: error.errorCode, reason: error.reason } });
  ctx.counters.escrowed++;
}

export async function syncUpsert(ctx: CycleContext, tx: SyncTransaction, work: PageWork, change: Upsert, fetched?: AdObject): Promise<void> {
  const object = fetched ?? change.object;
  const complete = fetched !== undefined || change.complete;
  const guid = object.objectGuid.toLowerCase();
  const state = work.states.get(guid);
  if (state?.state === 'excluded') return;
  const decision = decideScope(object, ctx.scope);
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
      work.states.set(guid, { ...state, state: reason === 'excluded' ? 'excluded' : 'deleted', pendingManager: null });
      if (outcome === 'deleted') countDelete(ctx);
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

  const compiled = ctx.mappings[objectType];
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

interface ObjectInput {
  readonly view: SourceView;
  readonly guid: string;
  readonly state: SourceObjectState | undefined;
  readonly log: ObjectLog;
  readonly compiled: NonNullable<CycleContext['mappings']['user']>;
}

function countDelete(ctx: CycleContext): void {
  ctx.counters.deleted++;
  ctx.counters.exported++;
}

/** Maps for this operation; on failure logs, escrows and returns undefined. */
function mapOrFail(ctx: CycleContext, work: PageWork, input: ObjectInput, objectType: ObjectType, operation: 'create' | 'update'): MappedObject | undefined {
  const result = evaluateMapping(input.compiled, input.view, operation, ctx.evaluateFunction);
  if (result.failures.length === 0) {
    input.log.step('processing', 'success', `attribute mappings evaluated (${operation})`);
    return result.mapped;
  }
  const unsupported = result.failures.find((f) => f.code === 'ERR_ENGINE_EXPRESSIONS_UNSUPPORTED');
  input.log.step('processing', 'failure', result.failures.map((f) => `${f.targetAttributeName}: ${f.message}`).join('; '));
  failObject(ctx, work, input.log, input.guid, objectType, {
    errorCode: unsupported ? 'ExpressionNotSupported' : 'AttributeMappingFailed',
    reason: result.failures.map((f) => `${f.targetAttributeName}: ${f.message}`).join('; '),
    errorCategory: 'NonServiceFailure',
    recommendedAction: unsupported ? 'Use Attribute or Constant sources until expressions are supported.' : 'Fix the source value or the attribute mapping.',
  });
  return undefined;
}

function conflictError(outcome: Extract<MatchOutcome<DirectoryUser>, { kind: 'conflict' }>): ErrorInformation {
  return {
    errorCode: 'AttributeValueMustBeUnique',
    reason: outcome.reason,
    additionalDetails: `${outcome.attribute} = ${outcome.value}; conflicting object ${outcome.conflictingId}`,
    errorCategory: 'NonServiceFailure',
    recommendedAction: 'Change the value in Active Directory, or remove or rename the conflicting cloud object; the object is retried on the next cycles.',
  };
}

function first(value: unknown): string | null {
  if (Array.isArray(value)) return (value[0] as string | undefined) ?? null;
  return typeof value === 'string' ? value : null;
}

async function syncUser(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput): Promise<void> {
  const { tenantId } = ctx.job;
  const { view, guid, state, log } = input;
  // Values the matcher needs come from the mapping, so a custom mapping matches on what it writes.
  const probe = view.complete ? evaluateMapping(input.compiled, view, 'create', ctx.evaluateFunction).mapped.values : new Map();
  const outcome = await matchUser(tx.directory, tenantId, {
    knownTargetId: state?.targetId ?? null,
    anchor: view.anchor,
    mail: first(probe.get('mail')),
    proxyAddresses: (probe.get('proxyAddresses') as readonly string[] | undefined) ?? [],
    userPrincipalName: first(probe.get('userPrincipalName')),
  }, ctx.match);
  if (outcome.kind === 'conflict') {
    log.step('matching', 'failure', outcome.reason);
    failObject(ctx, work, log, guid, 'user', conflictError(outcome));
    return;
  }
  if (outcome.kind === 'none') {
    if (!view.complete) return incompleteForCreate(ctx, work, input, 'user');
    log.step('matching', 'success', 'no matching cloud user: a new one is created');
    const mapped = mapOrFail(ctx, work, input, 'user', 'create');
    if (!mapped) return;
    const properties = toStoreProperties('user', mapped.values);
    const [created] = await tx.directory.createUsers(tenantId, [{
      ...(properties as object),
      userPrincipalName: String(properties.userPrincipalName),
      onPremisesSyncEnabled: true,
      onPremisesLastSyncDateTime: ctx.now().toISOString(),
    }]);
    const user = created!;
    for (const [name, value] of Object.entries(properties)) if (value !== null && !(Array.isArray(value) && value.length === 0)) log.modified(name, null, value);
    log.action('create').target(user.id, user.displayName, 'User').step('export', 'success', 'user created');
    ctx.counters.created++;
    ctx.counters.exported++;
    await recordSynced(ctx, tx, work, input, 'user', user.id, true);
    queueReferences(work, input, mapped, 'user', user.id, null, true);
    return;
  }
  const target = outcome.target;
  log.step('matching', 'success', outcome.kind === 'soft'
    ? `soft match on ${outcome.on} ${outcome.value}`
    : `joined on the ${outcome.how === 'state' ? 'known cloud object' : 'source anchor'}`);
  const joining = outcome.kind === 'soft' || target.onPremisesSyncEnabled !== true || target.deletedDateTime !== null || state?.state !== 'synced';
  const operation = joining && view.complete ? 'create' : 'update';
  const mapped = mapOrFail(ctx, work, input, 'user', operation);
  if (!mapped) return;
  const desired = toStoreProperties('user', mapped.values);
  if (outcome.kind === 'soft') desired.onPremisesImmutableId = view.anchor;
  const newUpn = typeof desired.userPrincipalName === 'string' ? desired.userPrincipalName : target.userPrincipalName;
  if (target.deletedDateTime !== null || newUpn.toLowerCase() !== target.userPrincipalName.toLowerCase()) {
    const holder = await tx.directory.findUser(tenantId, { userPrincipalName: newUpn });
    if (holder && holder.deletedDateTime === null && holder.id !== target.id) {
      log.step('export', 'failure', `userPrincipalName ${newUpn} is used by another user`);
      failObject(ctx, work, log, guid, 'user', conflictError({ kind: 'conflict', attribute: 'userPrincipalName', value: newUpn, conflictingId: holder.id, reason: `userPrincipalName ${newUpn} is already used by another user` }));
      return;
    }
  }
  const restored = target.deletedDateTime !== null && (await tx.directory.restoreUsers(tenantId, [target.id])) > 0;
  const changes = diffProperties(target, desired);
  if (changes.length > 0 || joining) {
    const change: Record<string, unknown> = { id: target.id, onPremisesSyncEnabled: true, onPremisesLastSyncDateTime: ctx.now().toISOString() };
    for (const c of changes) {
      change[c.name] = c.newValue;
      log.modified(c.name, c.oldValue, c.newValue);
    }
    await tx.directory.updateUsers(tenantId, [change as { id: string }]);
    const disabled = changes.some((c) => c.name === 'accountEnabled' && c.newValue === false);
    log.action(disabled ? 'disable' : 'update').step('export', 'success', restored ? 'user restored from deleted items and updated' : outcome.kind === 'soft' ? 'cloud user attached and updated' : 'user updated');
    ctx.counters.updated++;
    ctx.counters.exported++;
  } else {
    log.action('other').step('export', 'skipped', 'no change needed');
  }
  log.target(target.id, first(desired.displayName) ?? target.displayName, 'User');
  await recordSynced(ctx, tx, work, input, 'user', target.id, joining);
  queueReferences(work, input, mapped, 'user', target.id, target.managerId, false);
}

async function syncGroup(
  ctx: CycleContext,
  tx: SyncTransaction,
  work: PageWork,
  input: ObjectInput & { memberChanges: Upsert['memberChanges'] },
): Promise<void> {
  const { tenantId } = ctx.job;
  const { view, state, log } = input;
  const outcome = await matchGroup(tx.directory, tenantId, { knownTargetId: state?.targetId ?? null, anchor: view.anchor });
  if (outcome.kind === 'none') {
    if (!view.complete) return incompleteForCreate(ctx, work, input, 'group');
    log.step('matching', 'success', 'no matching cloud group: a new one is created');
    const mapped = mapOrFail(ctx, work, input, 'group', 'create');
    if (!mapped) return;
    const properties = toStoreProperties('group', mapped.values);
    const [created] = await tx.directory.createGroups(tenantId, [{
      ...(properties as object),
      displayName: String(properties.displayName),
      onPremisesSyncEnabled: true,
      onPremisesLastSyncDateTime: ctx.now().toISOString(),
    }]);
    const group = created!;
    for (const [name, value] of Object.entries(properties)) if (value !== null && !(Array.isArray(value) && value.length === 0)) log.modified(name, null, value);
    log.action('create').target(group.id, group.displayName, 'Group').step('export', 'success', 'group created');
    ctx.counters.created++;
    ctx.counters.exported++;
    await recordSynced(ctx, tx, work, input, 'group', group.id, true);
    queueMembers(ctx, work, input, mapped, group.id, true);
    return;
  }
  if (outcome.kind !== 'joined') return; // groups are hard-matched only
  const target: DirectoryGroup = outcome.target;
  log.step('matching', 'success', `joined on the ${outcome.how === 'state' ? 'known cloud object' : 'source anchor'}`);
  const joining = target.onPremisesSyncEnabled !== true || target.deletedDateTime !== null || state?.state !== 'synced';
  const mapped = mapOrFail(ctx, work, input, 'group', joining && view.complete ? 'create' : 'update');
  if (!mapped) return;
  const desired = toStoreProperties('group', mapped.values);
  const restored = target.deletedDateTime !== null && (await tx.directory.restoreGroups(tenantId, [target.id])) > 0;
  const changes = diffProperties(target, desired);
  if (changes.length > 0 || joining) {
    const change: Record<string, unknown> = { id: target.id, onPremisesSyncEnabled: true, onPremisesLastSyncDateTime: ctx.now().toISOString() };
    for (const c of changes) {
      change[c.name] = c.newValue;
      log.modified(c.name, c.oldValue, c.newValue);
    }
    await tx.directory.updateGroups(tenantId, [change as { id: string }]);
    log.action('update').step('export', 'success', restored ? 'group restored and updated' : 'group updated');
    ctx.counters.updated++;
    ctx.counters.exported++;
  } else {
    log.action('other').step('export', 'skipped', 'no change needed');
  }
  log.target(target.id, first(desired.displayName) ?? target.displayName, 'Group');
  await recordSynced(ctx, tx, work, input, 'group', target.id, joining);
  queueMembers(ctx, work, input, mapped, target.id, false);
}

function incompleteForCreate(ctx: CycleContext, work: PageWork, input: ObjectInput, objectType: ObjectType): void {
  input.log.step('matching', 'failure', 'the known cloud object is gone and the change is partial');
  failObject(ctx, work, input.log, input.guid, objectType, {
    errorCode: 'IncompleteSourceObject',
    reason: 'the cloud object this source object was synced to no longer exists, and the change does not carry every attribute',
    errorCategory: 'Retryable',
    recommendedAction: 'The object is retried from escrow; a full sync (restart with resetScope Full) also brings it back.',
  });
}

async function recordSynced(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput, objectType: ObjectType, targetId: string, arrived: boolean): Promise<void> {
  const { state, view, guid } = input;
  const next: SourceObjectState = {
    objectGuid: guid, anchor: view.anchor, objectType, targetId, dn: view.object.dn, state: 'synced',
    pendingManager: state?.pendingManager ?? null,
  };
  await tx.state.put(ctx.job.tenantId, ctx.job.jobId, [next]);
  work.states.set(guid, next);
  work.succeeded.push(guid);
  const moved = state !== undefined && normalizeDn(state.dn) !== normalizeDn(view.object.dn);
  if (arrived || moved) {
    // Pending references name the object by DN (AD) or by objectGUID (the SCIM service).
    work.arrivals.push({ reference: normalizeDn(view.object.dn), memberId: targetId, memberType: objectType });
    if (arrived) work.arrivals.push({ reference: guid, memberId: targetId, memberType: objectType });
  }
}

function queueReferences(work: PageWork, input: ObjectInput, mapped: MappedObject, _type: 'user', targetId: string, currentManagerId: string | null, _fresh: boolean): void {
  const manager = mapped.references.get('manager');
  if (manager === undefined) return;
  const holder = work.states.get(input.guid)!;
  work.references.push({ kind: 'manager', holder: { ...holder, targetId }, currentManagerId, dn: manager[0], log: input.log });
}

function queueMembers(ctx: CycleContext, work: PageWork, input: ObjectInput & { memberChanges: Upsert['memberChanges'] }, mapped: MappedObject, groupId: string, fresh: boolean): void {
  const holder = { ...work.states.get(input.guid)!, targetId: groupId };
  const members = mapped.references.get('members');
  if (members !== undefined) {
    work.references.push({ kind: 'members', holder, mode: 'replace', fresh, dns: members, removed: [], log: input.log });
  } else if (input.memberChanges) {
    ctx.counters.importedReferenceDeltas += input.memberChanges.added.length + input.memberChanges.removed.length;
    work.references.push({ kind: 'members', holder, mode: 'delta', fresh, dns: input.memberChanges.added, removed: input.memberChanges.removed, log: input.log });
  }
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
  if (outcome !== 'staged') work.states.set(guid, { ...state, state: 'deleted', pendingManager: null });
  work.succeeded.push(guid);
}
