/**
 * Step 5, export: the cloud object written — created, or restored, attached and updated with
 * what differs — the engine's record of it, and its references (manager, members) queued for
 * the page to resolve (references.ts). Users and groups differ in what they write
 * (export-user.ts, export-group.ts); what they share is here.
 */
import type { DirectoryGroup, DirectoryUser } from '../../directory/types.ts';
import { normalizeDn } from '../../core/dn.ts';
import type { CycleContext, PageWork } from '../cycle-context.ts';
import type { MappedObject, TargetValue } from '../mapping.ts';
import type { SyncTransaction, SourceObjectState } from '../ports.ts';
import type { ObjectLog } from '../provisioning-log.ts';
import { diffProperties, type PropertyChange } from '../target-properties.ts';
import { exportGroup } from './export-group.ts';
import { exportUser } from './export-user.ts';
import type { Matched } from './matching.ts';
import type { ObjectInput } from './outcomes.ts';

export async function exportStep(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput, matched: Matched, mapped: MappedObject): Promise<void> {
  if (input.objectType === 'user') await exportUser(ctx, tx, work, input, matched, mapped);
  else await exportGroup(ctx, tx, work, input, matched, mapped);
}

/** The engine's record of a synced object, and the pending references its arrival resolves. */
export async function recordSynced(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput, targetId: string, arrived: boolean): Promise<void> {
  const { state, view, guid, objectType } = input;
  const next: SourceObjectState = {
    objectGuid: guid, anchor: view.anchor, objectType, targetId, dn: view.object.dn, state: 'synced',
    pendingManager: state?.pendingManager ?? null,
  };
  await tx.state.put(ctx.job.tenantId, ctx.job.jobId, [next]);
  work.states.set(guid, next);
  work.knownTargets.set(normalizeDn(view.object.dn), { targetId, objectType });
  work.knownTargets.set(guid, { targetId, objectType });
  work.succeeded.push(guid);
  const moved = state !== undefined && normalizeDn(state.dn) !== normalizeDn(view.object.dn);
  if (arrived || moved) {
    // Pending references name the object by DN (AD) or by objectGUID (the SCIM service).
    work.arrivals.push({ reference: normalizeDn(view.object.dn), memberId: targetId, memberType: objectType });
    if (arrived) work.arrivals.push({ reference: guid, memberId: targetId, memberType: objectType });
  }
}

/** The log and counters of a created object: every value it was created with, then the export. */
export function logCreated(
  ctx: CycleContext,
  log: ObjectLog,
  values: Readonly<Record<string, unknown>>,
  created: { readonly id: string; readonly displayName: string | null; readonly identityType: 'User' | 'Group' },
  detail: string,
): void {
  for (const [name, value] of Object.entries(values)) if (value !== null && !(Array.isArray(value) && value.length === 0)) log.modified(name, null, value);
  log.action('create').target(created.id, created.displayName, created.identityType).step('export', 'success', detail);
  ctx.counters.created++;
  ctx.counters.exported++;
}

/**
 * Writes what differs between a cloud object and its desired properties (the sync flags
 * alone when the object is joining), logging each change. Returns the changes written, or
 * undefined after logging that no change was needed; the caller logs the action.
 */
export async function writeDifferences(
  ctx: CycleContext,
  log: ObjectLog,
  target: DirectoryUser | DirectoryGroup,
  desired: Readonly<Record<string, TargetValue>>,
  joining: boolean,
  write: (change: { readonly id: string }) => Promise<unknown>,
): Promise<PropertyChange[] | undefined> {
  const changes = diffProperties(target, desired);
  if (changes.length === 0 && !joining) {
    log.action('other').step('export', 'skipped', 'no change needed');
    return undefined;
  }
  const change: Record<string, unknown> = { id: target.id, onPremisesSyncEnabled: true, onPremisesLastSyncDateTime: ctx.now().toISOString() };
  for (const c of changes) {
    change[c.name] = c.newValue;
    log.modified(c.name, c.oldValue, c.newValue);
  }
  await write(change as { id: string });
  ctx.counters.updated++;
  ctx.counters.exported++;
  return changes;
}
