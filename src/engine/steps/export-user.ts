/** Export of a user: created (with its manager when already synced), or restored, attached and updated. */
import { referenceKey } from '../../core/dn.ts';
import type { DirectoryUser } from '../../directory/types.ts';
import type { CycleContext, PageWork } from '../cycle-context.ts';
import type { MappedObject } from '../mapping.ts';
import type { SyncTransaction } from '../ports.ts';
import { toStoreProperties } from '../target-properties.ts';
import { logCreated, recordSynced, writeDifferences } from './export.ts';
import type { Matched } from './matching.ts';
import { conflictError, failObject, first, type ObjectInput } from './outcomes.ts';

export async function exportUser(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput, matched: Matched, mapped: MappedObject): Promise<void> {
  if (matched.kind === 'new') return createUser(ctx, tx, work, input, mapped);
  const { tenantId } = ctx.job;
  const { view, guid, log } = input;
  const target = matched.target as DirectoryUser;
  const desired = toStoreProperties('user', mapped.values);
  if (matched.soft) desired.onPremisesImmutableId = view.anchor;
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
  const written = await writeDifferences(ctx, log, target, desired, matched.joining, (change) => tx.directory.updateUsers(tenantId, [change]));
  if (written) {
    const disabled = written.some((c) => c.name === 'accountEnabled' && c.newValue === false);
    log.action(disabled ? 'disable' : 'update').step('export', 'success', restored ? 'user restored from deleted items and updated' : matched.soft ? 'cloud user attached and updated' : 'user updated');
  }
  log.target(target.id, first(desired.displayName) ?? target.displayName, 'User');
  await recordSynced(ctx, tx, work, input, target.id, matched.joining);
  queueManager(work, input, mapped, target.id, target.managerId);
}

async function createUser(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput, mapped: MappedObject): Promise<void> {
  const properties = toStoreProperties('user', mapped.values, 'create');
  // The manager, when already synced, is written with the user (one write, not two).
  const managerId = guessManager(work, mapped);
  const [created] = await tx.directory.createUsers(ctx.job.tenantId, [{
    ...(properties as object),
    userPrincipalName: String(properties.userPrincipalName),
    onPremisesSyncEnabled: true,
    onPremisesLastSyncDateTime: ctx.now().toISOString(),
    ...(managerId !== null ? { managerId } : {}),
  }]);
  const user = created!;
  const logged = managerId !== null ? { ...properties, manager: managerId } : properties;
  logCreated(ctx, input.log, logged, { id: user.id, displayName: user.displayName, identityType: 'User' }, 'user created');
  await recordSynced(ctx, tx, work, input, user.id, true);
  queueManager(work, input, mapped, user.id, managerId);
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
