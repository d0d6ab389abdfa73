/**
 * Step 1, import: the change as the source read it, the engine's record of the object, and
 * the object's provisioning log, which every later step writes its own step into.
 */
import type { AdChange, AdObject } from '../../core/ad-object.ts';
import { leafRdnValue } from '../../core/dn.ts';
import type { CycleContext, PageWork } from '../cycle-context.ts';
import type { SourceObjectState } from '../ports.ts';
import { ObjectLog } from '../provisioning-log.ts';
import { objectTypeOf, type SyncedObjectType } from '../scoping.ts';
import { readAttribute, type SourceView } from '../source-attributes.ts';

export type Upsert = Extract<AdChange, { kind: 'upsert' }>;
export type Delete = Extract<AdChange, { kind: 'delete' }>;

/** An upsert once imported: what the following steps read. */
export interface ImportedObject {
  readonly change: Upsert;
  /** The object as read: the change, or the whole object read for it. */
  readonly object: AdObject;
  /** Every attribute read (a whole object), or only those the change carries. */
  readonly complete: boolean;
  readonly guid: string;
  readonly state: SourceObjectState | undefined;
  readonly objectType: SyncedObjectType;
  readonly log: ObjectLog;
}

function displayNameOf(object: AdObject): string | null {
  const view: SourceView = { object, complete: false, anchor: '' };
  return readAttribute(view, 'displayName')?.[0] ?? leafRdnValue(object.dn) ?? null;
}

export function newObjectLog(ctx: CycleContext, work: PageWork, guid: string, objectType: string, displayName: string | null, dn: string | undefined): ObjectLog {
  const log = new ObjectLog(ctx.log, { id: guid, displayName, identityType: objectType, details: dn === undefined ? {} : { distinguishedName: dn } });
  work.logs.push(log);
  return log;
}

/**
 * Imports an upsert; undefined for what is never provisioned nor logged: objects recorded as
 * excluded, and objects that are neither users nor groups (computers, contacts, OUs).
 */
export function importUpsert(ctx: CycleContext, work: PageWork, change: Upsert, fetched?: AdObject): ImportedObject | undefined {
  const object = fetched ?? change.object;
  const complete = fetched !== undefined || change.complete;
  const guid = object.objectGuid.toLowerCase();
  const state = work.states.get(guid);
  if (state?.state === 'excluded') return undefined;
  const objectType = objectTypeOf(object) ?? state?.objectType;
  if (objectType === undefined) return undefined;
  const log = newObjectLog(ctx, work, guid, objectType, displayNameOf(object), object.dn);
  log.step('import', 'success', complete ? 'the object was read whole' : 'a change to the object was read', { complete });
  return { change, object, complete, guid, state, objectType, log };
}
