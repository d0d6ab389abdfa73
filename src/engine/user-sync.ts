/** A user through matching (hard, then soft) and the write: create, attach, restore, update. */
import type { CycleContext, PageWork } from './cycle-context.ts';
import { evaluateMapping, type MappedObject } from './mapping.ts';
import { matchUser } from './matching.ts';
import { referenceKey } from '../core/dn.ts';
import type { SyncTransaction } from './ports.ts';
import { toStoreProperties } from './target-properties.ts';
import { conflictError, failObject, first, incompleteForCreate, logCreated, mapOrFail, recordSynced, writeDifferences, type ObjectInput } from './object-steps.ts';

export async function syncUser(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput): Promise<void> {
  const { tenantId } = ctx.job;
  const { view, guid, state, log } = input;
  // Values the matcher needs come from the mapping, so a custom mapping matches on what it writes.
  // A whole object's create mapping is the probe, and serves the create below as it is.
  const createMapping = view.complete ? evaluateMapping(input.compiled, view, 'create') : undefined;
  const probe = createMapping?.mapped.values ?? new Map();
  const outcome = await matchUser(work.lookup ?? tx.directory, tenantId, {
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
    const mapped = mapOrFail(ctx, work, input, 'user', 'create', createMapping);
    if (!mapped) return;
    const properties = toStoreProperties('user', mapped.values, 'create');
    // The manager, when already synced, is written with the user (one write, not two).
    const managerId = guessManager(work, mapped);
    const [created] = await tx.directory.createUsers(tenantId, [{
      ...(properties as object),
      userPrincipalName: String(properties.userPrincipalName),
      onPremisesSyncEnabled: true,
      onPremisesLastSyncDateTime: ctx.now().toISOString(),
      ...(managerId !== null ? { managerId } : {}),
    }]);
    const user = created!;
    const logged = managerId !== null ? { ...properties, manager: managerId } : properties;
    logCreated(ctx, log, logged, { id: user.id, displayName: user.displayName, identityType: 'User' }, 'user created');
    await recordSynced(ctx, tx, work, input, 'user', user.id, true);
    queueManager(work, input, mapped, user.id, managerId);
    return;
  }
  const target = outcome.target;
  log.step('matching', 'success', outcome.kind === 'soft'
    ? `soft match on ${outcome.on} ${outcome.value}`
    : `joined on the ${outcome.how === 'state' ? 'known cloud object' : 'source anchor'}`);
  const joining = outcome.kind === 'soft' || target.onPremisesSyncEnabled !== true || target.deletedDateTime !== null || state?.state !== 'synced';
  const operation = joining && view.complete ? 'create' : 'update';
  const mapped = mapOrFail(ctx, work, input, 'user', operation, operation === 'create' ? createMapping : undefined);
  if (!mapped) return;
  const desired = toStoreProperties('user', mapped.values);
  if (outcome.kind === 'soft') desired.onPremisesImmutableId = view.anchor;
  const newUpn = typeof desired.userPrincipalName === 'string' ? desired.userPrincipalName : target.userPrincipalName;
  if (target.deletedDateTime !== null || newUpn.toLowerCase() !== target.userPrincipalName.toLowerCase()) {
    const holder = await (work.lookup ?? tx.directory).findUser(tenantId, { userPrincipalName: newUpn });
    if (holder && holder.deletedDateTime === null && holder.id !== target.id) {
      log.step('export', 'failure', `userPrincipalName ${newUpn} is used by another user`);
      failObject(ctx, work, log, guid, 'user', conflictError({ kind: 'conflict', attribute: 'userPrincipalName', value: newUpn, conflictingId: holder.id, reason: `userPrincipalName ${newUpn} is already used by another user` }));
      return;
    }
  }
  const restored = target.deletedDateTime !== null && (await tx.directory.restoreUsers(tenantId, [target.id])) > 0;
  const written = await writeDifferences(ctx, log, target, desired, joining, (change) => tx.directory.updateUsers(tenantId, [change]));
  if (written) {
    const disabled = written.some((c) => c.name === 'accountEnabled' && c.newValue === false);
    log.action(disabled ? 'disable' : 'update').step('export', 'success', restored ? 'user restored from deleted items and updated' : outcome.kind === 'soft' ? 'cloud user attached and updated' : 'user updated');
  }
  log.target(target.id, first(desired.displayName) ?? target.displayName, 'User');
  await recordSynced(ctx, tx, work, input, 'user', target.id, joining);
  queueManager(work, input, mapped, target.id, target.managerId);
}

function guessManager(work: PageWork, mapped: MappedObject): string | null {
  const dn = mapped.references.get('manager')?.[0];
  if (dn === undefined) return null;
  const known = work.knownTargets.get(referenceKey(dn));
  return known?.objectType === 'user' ? known.targetId : null;
}

function queueManager(work: PageWork, input: ObjectInput, mapped: MappedObject, targetId: string, currentManagerId: string | null): void {
  const manager = mapped.references.get('manager');
  if (manager === undefined) return;
  const holder = work.states.get(input.guid)!;
  work.references.push({ kind: 'manager', holder: { ...holder, targetId }, currentManagerId, dn: manager[0], log: input.log });
}
