/**
 * Steps shared by user and group sync: mapping with failure handling, escrow, the engine's
 * record of a synced object, and the error shapes of the provisioning logs.
 */
import type { AdChange } from '../core/ad-object.ts';
import type { DirectoryGroup, DirectoryUser } from '../directory/types.ts';
import type { CycleContext, PageWork } from './cycle-context.ts';
import { normalizeDn } from '../core/dn.ts';
import { evaluateMapping, type MappedObject, type MappingResult, type TargetValue } from './mapping.ts';
import type { MatchOutcome } from './matching.ts';
import type { SourceObjectState, SyncTransaction } from './ports.ts';
import type { ErrorInformation, ObjectLog } from './provisioning-log.ts';
import type { SourceView } from './source-attributes.ts';
import { diffProperties, storePropertyOf, type ObjectType, type PropertyChange } from './target-properties.ts';

export type Upsert = Extract<AdChange, { kind: 'upsert' }>;

export function failObject(ctx: CycleContext, work: PageWork, log: ObjectLog, guid: string, objectType: string, error: ErrorInformation): void {
  log.fail(error);
  work.escrows.push({ sourceId: guid, objectType, error: { errorCode: error.errorCode, reason: error.reason } });
  ctx.counters.escrowed++;
  ctx.escrowedNow.add(guid);
}

export interface ObjectInput {
  readonly view: SourceView;
  readonly guid: string;
  readonly state: SourceObjectState | undefined;
  readonly log: ObjectLog;
  readonly compiled: NonNullable<CycleContext['mappings']['user']>;
}

export function countDelete(ctx: CycleContext): void {
  ctx.counters.deleted++;
  ctx.counters.exported++;
}

/** Maps for this operation; on failure logs, escrows and returns undefined. */
/** `evaluated`: the same mapping already evaluated for this operation (the matcher's probe). */
export function mapOrFail(ctx: CycleContext, work: PageWork, input: ObjectInput, objectType: ObjectType, operation: 'create' | 'update', evaluated?: MappingResult): MappedObject | undefined {
  const result = evaluated ?? evaluateMapping(input.compiled, input.view, operation);
  if (result.failures.length === 0) {
    input.log.redact([...result.mapped.redacted].map((name) => storePropertyOf(objectType, name)));
    input.log.step('processing', 'success', `attribute mappings evaluated (${operation})`);
    return result.mapped;
  }
  input.log.step('processing', 'failure', result.failures.map((f) => `${f.targetAttributeName}: ${f.message}`).join('; '));
  failObject(ctx, work, input.log, input.guid, objectType, {
    errorCode: 'AttributeMappingFailed',
    reason: result.failures.map((f) => `${f.targetAttributeName}: ${f.message}`).join('; '),
    errorCategory: 'NonServiceFailure',
    recommendedAction: 'Fix the source value or the attribute mapping.',
  });
  return undefined;
}

export function conflictError(outcome: Extract<MatchOutcome<DirectoryUser>, { kind: 'conflict' }>): ErrorInformation {
  return {
    errorCode: 'AttributeValueMustBeUnique',
    reason: outcome.reason,
    additionalDetails: `${outcome.attribute} = ${outcome.value}; conflicting object ${outcome.conflictingId}`,
    errorCategory: 'NonServiceFailure',
    recommendedAction: 'Change the value in Active Directory, or remove or rename the conflicting cloud object; the object is retried on the next cycles.',
  };
}

export function first(value: unknown): string | null {
  if (Array.isArray(value)) return (value[0] as string | undefined) ?? null;
  return typeof value === 'string' ? value : null;
}

export function incompleteForCreate(ctx: CycleContext, work: PageWork, input: ObjectInput, objectType: ObjectType): void {
  input.log.step('matching', 'failure', 'the known cloud object is gone and the change is partial');
  failObject(ctx, work, input.log, input.guid, objectType, {
    errorCode: 'IncompleteSourceObject',
    reason: 'the cloud object this source object was synced to no longer exists, and the change does not carry every attribute',
    errorCategory: 'Retryable',
    recommendedAction: 'The object is retried from escrow; a full sync (restart with resetScope Full) also brings it back.',
  });
}

export async function recordSynced(ctx: CycleContext, tx: SyncTransaction, work: PageWork, input: ObjectInput, objectType: ObjectType, targetId: string, arrived: boolean): Promise<void> {
  const { state, view, guid } = input;
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
