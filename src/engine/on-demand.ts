/**
 * Provision on demand (Graph synchronizationJob: provisionOnDemand): one AD object, named
 * by DN (as the cloud sync docs do) or by objectGUID, read whole from the agent now and
 * taken through the very steps a cycle takes (object-path.ts: import, scoping, matching,
 * processing, export) as a page of one change — with a group's chosen members (links.members)
 * first in the same page. The watermark and a full re-read's marks
 * are left alone: the next cycle reads on from where it was, and finds the object synced.
 *
 * It does not wait for a running cycle of the job: the page is one transaction, and an
 * object a cycle writes at the same time is found again by its anchor (hard match), as a
 * replayed page is.
 */
import { randomUUID } from 'node:crypto';
import { normalizeDn, referenceKey } from '../core/dn.ts';
import { CanopyError } from '../core/errors.ts';
import { attributesOf, type ExpressionNode } from '../expressions/index.ts';
import { compileMappings } from './cycle.ts';
import { newCounters, type CycleContext } from './cycle-context.ts';
import { ADMIT_ALL, type DeletePolicy } from './deletes.ts';
import type { MatchOptions } from './matching.ts';
import { applyPage } from './page.ts';
import type { ChangeSource, CycleJob, SourceObject, SyncStore } from './ports.ts';
import type { ObjectLog } from './provisioning-log.ts';
import { readScopeRules } from './group-scope.ts';
import { objectTypeOf, scopeRulesOf } from './scoping.ts';

export interface OnDemandSubject {
  /** The AD object's DN, or its objectGUID. */
  readonly objectId: string;
  /** 'user' or 'group' (Graph's objectTypeName; case does not matter). */
  readonly objectTypeName: string;
  /**
   * For a group: members to provision with it (Graph's `links.members`), each a direct
   * member of the group, provisioned first in the same page.
   */
  readonly members?: readonly { readonly objectId: string; readonly objectTypeName: string }[];
}

export interface OnDemandOptions {
  readonly job: CycleJob;
  readonly source: ChangeSource;
  readonly store: SyncStore;
  readonly subject: OnDemandSubject;
  readonly now?: () => Date;
  readonly deletePolicy?: DeletePolicy;
  readonly match?: MatchOptions;
  readonly signal?: AbortSignal;
}

export interface OnDemandResult {
  /** The object as read from AD. */
  readonly object: SourceObject;
  /** Its provisioning log entry, as written; undefined when the engine skips it without one (an excluded object). */
  readonly log: ObjectLog | undefined;
  /** Source attributes read inside a Redact() mapping (lower case): an answer must not show their values. */
  readonly redactedSources: ReadonlySet<string>;
  /** The group's chosen members (links.members), as read and logged. */
  readonly members?: readonly { readonly object: SourceObject; readonly log: ObjectLog | undefined }[];
}

/** The attributes each mapping that calls Redact() reads, anywhere below the call. */
function redactedSourcesOf(mappings: CycleContext['mappings']): Set<string> {
  const names = new Set<string>();
  const visit = (node: ExpressionNode, inside: boolean): void => {
    if (node.kind === 'call') {
      for (const arg of node.args) visit(arg, inside || node.name === 'Redact');
    } else if (node.kind === 'binary') {
      visit(node.left, inside);
      visit(node.right, inside);
    } else if (inside) {
      for (const name of attributesOf(node)) names.add(name.toLowerCase());
    }
  };
  for (const compiled of Object.values(mappings)) {
    for (const attribute of compiled?.attributes ?? []) if (attribute.expression) visit(attribute.expression.root, false);
  }
  return names;
}

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

async function readSubject(options: OnDemandOptions, subject: Pick<OnDemandSubject, 'objectId' | 'objectTypeName'>): Promise<SourceObject> {
  const { source, job, signal } = options;
  const wanted = subject.objectTypeName.toLowerCase();
  let object: SourceObject | undefined;
  if (GUID.test(subject.objectId)) {
    if (!source.readObject) throw new CanopyError('ERR_ENGINE_SOURCE_INVALID', 'the source cannot read one object by objectGUID');
    object = await source.readObject(job, subject.objectId.replace(/[{}]/g, '').toLowerCase(), signal);
  } else {
    if (!source.readObjectByDn) throw new CanopyError('ERR_ENGINE_SOURCE_INVALID', 'the source cannot read one object by DN');
    object = await source.readObjectByDn(job, subject.objectId, signal);
  }
  if (!object) {
    throw new CanopyError('ERR_ENGINE_OBJECT_NOT_FOUND', `no ${wanted} ${subject.objectId} in Active Directory within the agent's scope`);
  }
  const type = objectTypeOf(object);
  if (type !== wanted) {
    throw new CanopyError('ERR_ENGINE_ON_DEMAND_INVALID', `${subject.objectId} is ${type ? `a ${type}` : `an object of class ${object.objectClass}`}, not a ${wanted}`);
  }
  return object;
}

/** The chosen members of a group subject, read whole; each must be a direct member of the group. */
async function readMembers(options: OnDemandOptions, group: SourceObject): Promise<SourceObject[]> {
  const listed = new Set(Object.entries(group.attributes).filter(([name]) => name.toLowerCase() === 'member').flatMap(([, values]) => values.map(referenceKey)));
  const members: SourceObject[] = [];
  for (const link of options.subject.members ?? []) {
    const member = await readSubject(options, link);
    if (!listed.has(member.objectGuid.toLowerCase()) && !listed.has(normalizeDn(member.dn))) {
      throw new CanopyError('ERR_ENGINE_ON_DEMAND_INVALID', `${link.objectId} is not a member of ${options.subject.objectId}`);
    }
    members.push(member);
  }
  return members;
}

export async function provisionOnDemand(options: OnDemandOptions): Promise<OnDemandResult> {
  const { job, store, source, subject } = options;
  const wanted = subject.objectTypeName.toLowerCase();
  if (wanted !== 'user' && wanted !== 'group') {
    throw new CanopyError('ERR_ENGINE_ON_DEMAND_INVALID', `objectTypeName "${subject.objectTypeName}": cloud sync provisions user and group objects`);
  }
  if (subject.members && wanted !== 'group') throw new CanopyError('ERR_ENGINE_ON_DEMAND_INVALID', 'links.members is for a group subject');
  // Compiled before AD is read: a schema the cycle would refuse is refused here too.
  const mappings = compileMappings(job.schema);
  scopeRulesOf(job.schema.synchronizationRules[0]!, job.syncAccount, job.schema.directories);
  const object = await readSubject(options, subject);
  const members = await readMembers(options, object);
  // The included groups of a group-scoped job are read now, as a cycle reads them.
  const scope = await readScopeRules(job, source, options.signal);
  const now = options.now ?? (() => new Date());
  const cycleId = randomUUID();
  const ctx: CycleContext = {
    job, cycleId, mode: 'delta', scope, now, counters: newCounters(), mappings,
    deletePolicy: options.deletePolicy ?? ADMIT_ALL,
    // An object read in scope forgets a delete staged for it (one query for one object).
    hadStagedDeletes: true,
    match: options.match ?? {},
    log: { tenantId: job.tenantId, jobId: job.jobId, cycleId, now },
    escrowedNow: new Set(),
  };
  // The chosen members first, then the group: one page, so the group's memberships of them
  // resolve in it (references.ts) and everything commits together.
  const changes = [...members, object].map((o) => ({ kind: 'upsert' as const, object: o, complete: true }));
  const logs = await applyPage(ctx, store, source, { changes, watermark: '', more: false }, { resetToken: undefined, commitWatermark: false }, options.signal);
  const logOf = (o: SourceObject) => logs.find((l) => l.source.id === o.objectGuid.toLowerCase());
  return {
    object,
    log: logOf(object),
    redactedSources: redactedSourcesOf(mappings),
    ...(members.length > 0 ? { members: members.map((m) => ({ object: m, log: logOf(m) })) } : {}),
  };
}
