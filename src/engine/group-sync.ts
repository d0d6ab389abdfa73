/** A group through its hard match and the write, and its members queued for resolution. */
import type { DirectoryGroup } from '../directory/types.ts';
import type { CycleContext, PageWork } from './cycle-context.ts';
import type { MappedObject } from './mapping.ts';
import { matchGroup } from './matching.ts';
import type { SyncTransaction } from './ports.ts';
import { toStoreProperties } from './target-properties.ts';
import { first, incompleteForCreate, logCreated, mapOrFail, recordSynced, writeDifferences, type ObjectInput, type Upsert } from './object-steps.ts';

export async function syncGroup(
  ctx: CycleContext,
  tx: SyncTransaction,
  work: PageWork,
  input: ObjectInput & { memberChanges: Upsert['memberChanges'] },
): Promise<void> {
  const { tenantId } = ctx.job;
  const { view, state, log } = input;
  const outcome = await matchGroup(work.lookup ?? tx.directory, tenantId, { knownTargetId: state?.targetId ?? null, anchor: view.anchor });
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
    logCreated(ctx, log, properties, { id: group.id, displayName: group.displayName, identityType: 'Group' }, 'group created');
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
  const written = await writeDifferences(ctx, log, target, desired, joining, (change) => tx.directory.updateGroups(tenantId, [change]));
  if (written) log.action('update').step('export', 'success', restored ? 'group restored and updated' : 'group updated');
  log.target(target.id, first(desired.displayName) ?? target.displayName, 'Group');
  await recordSynced(ctx, tx, work, input, 'group', target.id, joining);
  queueMembers(ctx, work, input, mapped, target.id, false);
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
