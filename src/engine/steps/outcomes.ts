/**
 * What the steps share: the object as it goes from matching to export, and the outcomes
 * that end its path early — a failure (logged and escrowed, retried on later cycles) or a
 * delete (counted).
 */
import type { DirectoryUser } from '../../directory/types.ts';
import type { CycleContext, PageWork } from '../cycle-context.ts';
import type { MatchOutcome } from '../matching.ts';
import type { SourceObjectState } from '../ports.ts';
import type { ErrorInformation, ObjectLog } from '../provisioning-log.ts';
import type { SourceView } from '../source-attributes.ts';
import type { Upsert } from './import.ts';

/** An object in scope, with the objectMapping that provisions it. */
export interface ObjectInput {
  readonly view: SourceView;
  readonly guid: string;
  readonly state: SourceObjectState | undefined;
  readonly log: ObjectLog;
  readonly compiled: NonNullable<CycleContext['mappings']['user']>;
  readonly objectType: 'user' | 'group';
  /** For groups read incrementally: members added and removed. */
  readonly memberChanges?: Upsert['memberChanges'];
}

export function failObject(ctx: CycleContext, work: PageWork, log: ObjectLog, guid: string, objectType: string, error: ErrorInformation): void {
  log.fail(error);
  work.escrows.push({ sourceId: guid, objectType, error: { errorCode: error.errorCode, reason: error.reason } });
  ctx.counters.escrowed++;
  ctx.escrowedNow.add(guid);
}

export function countDelete(ctx: CycleContext): void {
  ctx.counters.deleted++;
  ctx.counters.exported++;
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
