/** Export of a group: created, or restored and updated; its members queued for resolution. */
import type { DirectoryGroup } from '../../directory/types.ts';
import type { CycleContext, PageWork } from '../cycle-context.ts';
import type { MappedObject } from '../mapping.ts';
import type { SyncTransaction } from '../ports.ts';
import { toStoreProperties } from '../target-properties.ts';
import { logCreated, recordSynced, writeDifferences } from './export.ts';
import type { Matched } from './matching.ts';
import { first, type ObjectInput } from './outcomes.ts';

export async function exportGroup(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput, matched: Matched, mapped: MappedObject): Promise<void> {
  const { tenantId } = ctx.job;
  const { log } = input;
  if (matched.kind === 'new') {
    const properties = toStoreProperties('group', mapped.values);
    const [created] = await tx.directory.createGroups(tenantId, [{
      ...(properties as object),
      displayName: String(properties.displayName),
      onPremisesSyncEnabled: true,
      onPremisesLastSyncDateTime: ctx.now().toISOString(),
    }]);
    const group = created!;
    logCreated(ctx, log, properties, { id: group.id, displayName: group.displayName, identityType: 'Group' }, 'group created');
    await recordSynced(ctx, tx, work, input, group.id, true);
    queueMembers(ctx, work, input, mapped, group.id, true);
    return;
  }
  const target = matched.target as DirectoryGroup;
  const desired = toStoreProperties('group', mapped.values);
  const restored = target.deletedDateTime !== null && (await tx.directory.restoreGroups(tenantId, [target.id])) > 0;
  const written = await writeDifferences(ctx, log, target, desired, matched.joining, (change) => tx.directory.updateGroups(tenantId, [change]));
  if (written) log.action('update').step('export', 'success', restored ? 'group restored and updated' : 'group updated');
  log.target(target.id, first(desired.displayName) ?? target.displayName, 'Group');
  await recordSynced(ctx, tx, work, input, target.id, matched.joining);
  queueMembers(ctx, work, input, mapped, target.id, false);
}

function queueMembers(ctx: CycleContext, work: PageWork, input: ObjectInput, mapped: MappedObject, groupId: string, fresh: boolean): void {
  const holder = { ...work.states.get(input.guid)!, targetId: groupId };
  const members = mapped.references.get('members');
  if (members !== undefined) {
    work.references.push({ kind: 'members', holder, mode: 'replace', fresh, dns: members, removed: [], log: input.log });
  } else if (input.memberChanges) {
    ctx.counters.importedReferenceDeltas += input.memberChanges.added.length + input.memberChanges.removed.length;
    work.references.push({ kind: 'members', holder, mode: 'delta', fresh, dns: input.memberChanges.added, removed: input.memberChanges.removed, log: input.log });
  }
}
