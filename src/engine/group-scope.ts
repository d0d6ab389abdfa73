/**
 * Group scoping: the synchronization rule's `groupFilter.includedGroups` (AD groups by DN),
 * cloud sync's "Selected security groups". Microsoft: "Nested objects beyond the first level
 * aren't included when scoping using security groups" (entra-docs reference-cloud-sync-faq,
 * how-to-configure). So the scope is the included groups themselves and their direct
 * members, users and groups alike: a group that is a member is synced as a group, but its
 * own members are not brought in by it. (The groups themselves are in scope so that the
 * cloud holds the memberships the scope is made of; Microsoft's pages do not say.)
 *
 * Membership changes do not touch the member objects in AD (`member` is on the group, and
 * `memberOf` is a back link DirSync does not report), so a delta read alone cannot tell that
 * a user joined or left. Each cycle therefore reads the included groups first (one read per
 * group, through the agent, `member` whole), decides every object against that membership,
 * and after the read reconciles: members not synced yet are read whole and taken through
 * the page steps (created), synced objects no longer in the scope are read whole and taken
 * through them too, where scoping sends them down the normal delete path (delete threshold,
 * provisioning log). Group scoping is meant for pilots (Microsoft: "Only use group scope
 * filtering for pilot scenarios"): the reconciliation walks the job's synced objects once
 * per cycle.
 */
import type { AdChange, AdObject } from '../core/ad-object.ts';
import { CanopyError } from '../core/errors.ts';
import { isGuid, normalizeDn, referenceKey } from '../core/dn.ts';
import type { CycleContext } from './cycle-context.ts';
import { applyPage } from './page.ts';
import type { ChangeSource, CycleJob, SourceObjectState, SyncStore } from './ports.ts';
import { resolveKeys } from './references.ts';
import { decideScope, objectTypeOf, scopeRulesOf, type GroupScope, type ScopeRules } from './scoping.ts';

const RECONCILE_BATCH = 500;

/**
 * Reads the included groups and their direct members. A group that is not in AD (or not a
 * group) fails the cycle, naming it: a mistyped DN must not empty the scope and delete
 * every synced object.
 */
export async function readGroupScope(job: CycleJob, source: ChangeSource, includedGroups: readonly string[], signal?: AbortSignal): Promise<GroupScope> {
  if (!source.readObjectByDn) throw new CanopyError('ERR_ENGINE_SOURCE_INVALID', 'groupFilter scoping needs a source that reads objects by DN');
  const groups = new Set<string>();
  const members = new Map<string, string>();
  for (const dn of includedGroups) {
    signal?.throwIfAborted();
    const group = await source.readObjectByDn(job, dn, signal);
    if (!group || objectTypeOf(group) !== 'group') {
      throw new CanopyError('ERR_ENGINE_SOURCE_INVALID', `groupFilter: ${group ? `${dn} is not a group` : `no group ${dn} in Active Directory within the agent's scope`}; nothing was synced or deleted — fix includedGroups or the agent's scope`);
    }
    groups.add(normalizeDn(group.dn));
    for (const [name, values] of Object.entries(group.attributes)) {
      if (name.toLowerCase() !== 'member') continue;
      for (const member of values) members.set(referenceKey(member), member);
    }
  }
  return { groups, members };
}

/** The job's scope rules, with its included groups read when it scopes by group. */
export async function readScopeRules(job: CycleJob, source: ChangeSource, signal?: AbortSignal): Promise<ScopeRules> {
  const rules = scopeRulesOf(job.schema.synchronizationRules[0]!, job.syncAccount, job.schema.directories);
  if (rules.includedGroups.length === 0) return rules;
  return { ...rules, groupScope: await readGroupScope(job, source, rules.includedGroups, signal) };
}

/** Whether a synced object (by its record) is still in the group scope. */
function stateInScope(scope: GroupScope, state: SourceObjectState): boolean {
  const dn = normalizeDn(state.dn);
  return scope.groups.has(dn) || scope.members.has(dn) || scope.members.has(state.objectGuid.toLowerCase());
}

/**
 * Members read and found never to sync under the job's current scope rules (computers,
 * contacts, critical system objects, objects an attribute filter leaves out): not read again
 * each cycle. Keyed by job, and forgotten when the rule's scope changes; an object's own
 * changes still arrive through the delta read, which decides them anew.
 */
const skipped = new Map<string, { readonly fingerprint: string; readonly keys: Set<string> }>();

function skippedKeys(ctx: CycleContext): Set<string> {
  const id = `${ctx.job.tenantId}/${ctx.job.jobId}`;
  const rule = ctx.job.schema.synchronizationRules[0];
  const fingerprint = JSON.stringify([rule?.groupFilter, rule?.objectMappings.map((m) => [m.enabled, m.scope]), ctx.job.syncAccount]);
  let entry = skipped.get(id);
  if (entry?.fingerprint !== fingerprint) {
    entry = { fingerprint, keys: new Set() };
    skipped.set(id, entry);
  }
  return entry.keys;
}

async function readMember(ctx: CycleContext, source: ChangeSource, key: string, original: string, signal?: AbortSignal): Promise<AdObject | undefined> {
  if (isGuid(key)) return source.readObject?.(ctx.job, key, signal);
  return source.readObjectByDn?.(ctx.job, original, signal);
}

/** Members (and included groups) not synced yet: read whole, when they may sync. */
async function joiners(ctx: CycleContext, store: SyncStore, source: ChangeSource, scope: GroupScope, signal?: AbortSignal): Promise<AdChange[]> {
  const wanted = new Map<string, string>(scope.members);
  for (const dn of scope.groups) wanted.set(dn, dn);
  const synced = await resolveKeys(store.state, ctx.job.tenantId, ctx.job.jobId, wanted.keys());
  const skip = skippedKeys(ctx);
  const changes: AdChange[] = [];
  for (const [key, original] of wanted) {
    if (synced.has(key) || skip.has(key) || ctx.escrowedNow.has(key)) continue;
    signal?.throwIfAborted();
    const object = await readMember(ctx, source, key, original, signal);
    if (!object) continue; // gone from AD, or outside the agent's scope
    if (!decideScope(object, ctx.scope).inScope) {
      skip.add(key);
      continue;
    }
    changes.push({ kind: 'upsert', object, complete: true });
  }
  return changes;
}

/**
 * Synced objects no longer in the scope: read whole, so scoping decides and logs them. One
 * gone from AD is left to its tombstone (or to a full read's sweep).
 */
async function leavers(ctx: CycleContext, store: SyncStore, source: ChangeSource, scope: GroupScope, signal?: AbortSignal): Promise<AdChange[]> {
  const { tenantId, jobId } = ctx.job;
  // `unseen` with a token no read has marked lists every synced object, keyset-paged.
  const token = `group-scope:${ctx.cycleId}`;
  const changes: AdChange[] = [];
  let after: string | undefined;
  for (;;) {
    const batch = await store.state.unseen(tenantId, jobId, token, after, RECONCILE_BATCH);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.objectGuid;
    for (const state of batch) {
      if (stateInScope(scope, state)) continue;
      signal?.throwIfAborted();
      const object = await source.readObject?.(ctx.job, state.objectGuid, signal);
      if (object) changes.push({ kind: 'upsert', object, complete: true });
    }
  }
  return changes;
}

/** After the cycle's read: brings in the members that joined, and takes out those that left. */
export async function reconcileGroupScope(ctx: CycleContext, store: SyncStore, source: ChangeSource, signal?: AbortSignal): Promise<void> {
  const scope = ctx.scope.groupScope;
  if (!scope) return;
  const changes = [...(await joiners(ctx, store, source, scope, signal)), ...(await leavers(ctx, store, source, scope, signal))];
  for (let i = 0; i < changes.length; i += RECONCILE_BATCH) {
    const batch = changes.slice(i, i + RECONCILE_BATCH);
    ctx.counters.imported += batch.length;
    await applyPage(ctx, store, source, { changes: batch, watermark: '', more: false }, { resetToken: undefined, commitWatermark: false }, signal);
  }
}
