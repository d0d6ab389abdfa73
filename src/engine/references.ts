/**
 * Memberships and managers by reference. AD names members and managers by DN (the agent's
 * SCIM service by objectGUID); the cloud keeps object ids. Every reference a page names is
 * resolved in one batched lookup against the engine's source-object state (which already
 * holds this page's writes). A member not synced yet becomes a pending reference (the
 * directory keeps it, keyed by referenceKey: the normalized DN or the GUID) and
 * turns into a membership when its object arrives, in that page or at the end of the cycle.
 * Managers not synced yet wait in the source-object row (pendingManager).
 */
import type { Membership, MemberType } from '../directory/types.ts';
import { iteratePages } from '../directory/store.ts';
import type { CycleContext, PageWork, ReferenceWork } from './cycle-context.ts';
import { isGuid, referenceKey } from '../core/dn.ts';
import type { SourceObjectState, SourceStateStore, SyncStore, SyncTransaction } from './ports.ts';

const BATCH = 500;

/** Synced objects for reference keys (GUIDs and normalized DNs mixed), keyed the same way. */
export async function resolveKeys(state: SourceStateStore, tenantId: string, jobId: string, keys: Iterable<string>): Promise<Map<string, SourceObjectState>> {
  const guids: string[] = [];
  const dns: string[] = [];
  for (const key of keys) (isGuid(key) ? guids : dns).push(key);
  const found = dns.length > 0 ? await state.byDns(tenantId, jobId, dns) : new Map<string, SourceObjectState>();
  if (guids.length > 0) {
    for (const [guid, s] of await state.byObjectGuids(tenantId, jobId, guids)) if (s.state === 'synced') found.set(guid, s);
  }
  return found;
}

type MembersWork = Extract<ReferenceWork, { kind: 'members' }>;
type ManagerWork = Extract<ReferenceWork, { kind: 'manager' }>;

/** Resolves the page's references and the pending ones naming the page's arrivals. */
export async function resolvePageReferences(ctx: CycleContext, tx: SyncTransaction, work: PageWork): Promise<void> {
  const { tenantId, jobId } = ctx.job;
  const keys = new Set<string>();
  for (const ref of work.references) {
    if (ref.kind === 'manager') {
      if (ref.dn !== undefined) keys.add(referenceKey(ref.dn));
    } else {
      for (const dn of ref.dns) keys.add(referenceKey(dn));
    }
  }
  const resolved = keys.size > 0 ? await resolveKeys(tx.state, tenantId, jobId, keys) : new Map<string, SourceObjectState>();
  // Managers of the whole page: one updateUsers and one state write, not one per user.
  const managers: ManagerWrites = { changes: [], states: new Map() };
  for (const ref of work.references) {
    if (ref.kind === 'manager') applyManager(work, ref, resolved, managers);
    else await applyMembers(ctx, tx, ref, resolved);
  }
  if (managers.changes.length > 0) await tx.directory.updateUsers(tenantId, managers.changes);
  if (managers.states.size > 0) await tx.state.put(tenantId, jobId, [...managers.states.values()]);
  if (work.arrivals.length > 0) await tx.directory.resolvePendingReferences(tenantId, work.arrivals);
}

interface ManagerWrites {
  readonly changes: { id: string; managerId: string | null }[];
  readonly states: Map<string, SourceObjectState>;
}

function applyManager(work: PageWork, ref: ManagerWork, resolved: Map<string, SourceObjectState>, writes: ManagerWrites): void {
  const dn = ref.dn === undefined ? undefined : referenceKey(ref.dn);
  const manager = dn === undefined ? undefined : resolved.get(dn);
  const managerId = manager?.objectType === 'user' ? manager.targetId : null;
  const pending = dn !== undefined && managerId === null ? dn : null;
  if (managerId !== ref.currentManagerId) {
    writes.changes.push({ id: ref.holder.targetId!, managerId });
    ref.log.modified('manager', ref.currentManagerId, managerId);
  }
  ref.log.step('referenceResolution', pending ? 'warning' : 'success', pending ? `manager ${ref.dn} is not synced yet; it is set when it arrives` : 'manager resolved');
  const current = work.states.get(ref.holder.objectGuid) ?? ref.holder;
  if (current.pendingManager !== pending) {
    const next = { ...current, pendingManager: pending };
    writes.states.set(next.objectGuid, next);
    work.states.set(next.objectGuid, next);
  }
}

async function applyMembers(ctx: CycleContext, tx: SyncTransaction, ref: MembersWork, resolved: Map<string, SourceObjectState>): Promise<void> {
  const { tenantId } = ctx.job;
  const groupId = ref.holder.targetId!;
  const members: Membership[] = [];
  const pending: { groupId: string; reference: string }[] = [];
  for (const dn of ref.dns) {
    const reference = referenceKey(dn);
    const member = resolved.get(reference);
    if (member?.targetId && member.targetId !== groupId) members.push({ groupId, memberId: member.targetId, memberType: member.objectType as MemberType });
    else if (!member) pending.push({ groupId, reference });
  }
  if (ref.mode === 'replace' && !ref.fresh) {
    await tx.directory.clearMembers(tenantId, groupId);
    const stale = [];
    for await (const p of iteratePages((cursor) => tx.directory.listPendingReferences(tenantId, { limit: 1000, groupId, ...(cursor ? { cursor } : {}) }))) {
      stale.push({ groupId, reference: p.reference });
    }
    if (stale.length > 0) await tx.directory.removePendingReferences(tenantId, stale);
  }
  if (ref.mode === 'delta' && ref.removed.length > 0) {
    const removed = ref.removed.map(referenceKey);
    const known = await resolveKeys(tx.state, tenantId, ctx.job.jobId, removed);
    const gone = [...known.values()].filter((s) => s.targetId).map((s) => ({ groupId, memberId: s.targetId! }));
    if (gone.length > 0) await tx.directory.removeMembers(tenantId, gone);
    await tx.directory.removePendingReferences(tenantId, removed.map((reference) => ({ groupId, reference })));
  }
  if (members.length > 0) await tx.directory.addMembers(tenantId, members);
  if (pending.length > 0) await tx.directory.addPendingReferences(tenantId, pending);
  if (ref.mode === 'delta' || members.length > 0 || pending.length > 0) {
    ref.log.modified('members', null, ref.mode === 'replace' ? `${members.length} members` : `+${ref.dns.length} -${ref.removed.length}`);
  }
  ref.log.step(
    'referenceResolution',
    pending.length > 0 ? 'warning' : 'success',
    pending.length > 0 ? `${members.length} members resolved, ${pending.length} not synced yet (pending)` : `${members.length} members resolved`,
    { resolved: members.length, pending: pending.length },
  );
}

/**
 * End of cycle: pending members and managers whose object has synced meanwhile (a group
 * read before its members, a manager out of order). Runs in its own batches of transactions.
 */
export async function resolveLeftovers(ctx: CycleContext, store: SyncStore): Promise<number> {
  // Pending members resolve as their objects arrive (resolvePageReferences: every create,
  // restore, join and move is an arrival, by DN and by objectGUID); this scan is a safety net.
  // It reads every pending reference, and those naming objects out of scope stay pending for
  // good (100,000 of them cost a delta of 10,000 changes +0.8 s in bench/sync-throughput.ts),
  // so it runs only in full cycles that wrote objects, not in every delta.
  const scanMembers = ctx.mode === 'full' && (ctx.counters.created > 0 || ctx.counters.updated > 0);
  return (scanMembers ? await resolvePendingMembers(ctx, store) : 0) + (await resolvePendingManagers(ctx, store));
}

async function resolvePendingMembers(ctx: CycleContext, store: SyncStore): Promise<number> {
  const { tenantId, jobId } = ctx.job;
  let resolvedCount = 0;
  let cursor: string | undefined;
  do {
    const page = await store.directory.listPendingReferences(tenantId, { limit: BATCH, ...(cursor ? { cursor } : {}) });
    cursor = page.cursor;
    const found = await resolveKeys(store.state, tenantId, jobId, page.items.map((p) => p.reference));
    const resolvable = [...found.entries()].filter(([, s]) => s.targetId).map(([reference, s]) => ({ reference, memberId: s.targetId!, memberType: s.objectType }));
    if (resolvable.length > 0) resolvedCount += await store.transaction((tx) => tx.directory.resolvePendingReferences(tenantId, resolvable));
  } while (cursor !== undefined);
  return resolvedCount;
}

async function resolvePendingManagers(ctx: CycleContext, store: SyncStore): Promise<number> {
  const { tenantId, jobId } = ctx.job;
  let resolvedCount = 0;
  let after: string | undefined;
  for (;;) {
    const holders = await store.state.withPendingManager(tenantId, jobId, after, BATCH);
    if (holders.length === 0) break;
    after = holders[holders.length - 1]!.objectGuid;
    const managers = await resolveKeys(store.state, tenantId, jobId, holders.map((h) => h.pendingManager!));
    const ready = holders.filter((h) => managers.get(h.pendingManager!)?.objectType === 'user' && h.targetId);
    if (ready.length === 0) continue;
    await store.transaction(async (tx) => {
      await tx.directory.updateUsers(tenantId, ready.map((h) => ({ id: h.targetId!, managerId: managers.get(h.pendingManager!)!.targetId })));
      await tx.state.put(tenantId, jobId, ready.map((h) => ({ ...h, pendingManager: null })));
    });
    resolvedCount += ready.length;
  }
  return resolvedCount;
}
