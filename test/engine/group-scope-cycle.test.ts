/**
 * groupFilter scoping in cycles, with a replayed source: the included group and its direct
 * members sync, a nested group's own members do not; a member who leaves the group goes
 * through the delete path (logged; staged by the delete threshold), one who joins is read
 * whole and created — though neither user changed in AD, only the group did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdObject } from '../../src/core/ad-object.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import { iteratePages } from '../../src/directory/store.ts';
import type { ProvisioningObjectSummary } from '../../src/directory/types.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import { provisionOnDemand } from '../../src/engine/on-demand.ts';
import { immutableIdOf } from '../../src/engine/source-attributes.ts';
import { ReplaySource, group, guid, openHarness, upsert, user, type Harness } from './support.ts';

function scopedTo(h: Harness, ...groups: string[]): Harness['job'] {
  const rule = h.job.schema.synchronizationRules[0]!;
  return { ...h.job, schema: { ...h.job.schema, synchronizationRules: [{ ...rule, containerFilter: { includedContainers: [] }, groupFilter: { includedGroups: groups } }] } };
}

async function logsOf(h: Harness, cycleId: string): Promise<ProvisioningObjectSummary[]> {
  const all: ProvisioningObjectSummary[] = [];
  for await (const l of iteratePages((cursor) => h.store.directory.listProvisioningLogs(h.tenantId, { limit: 1000, cycleId, ...(cursor ? { cursor } : {}) }))) all.push(l);
  return all;
}

const cloudUser = (h: Harness, n: number) => h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(n)) });
const cloudGroup = (h: Harness, n: number) => h.store.directory.findGroup(h.tenantId, { sourceAnchor: immutableIdOf(guid(10_000 + n)) });

/** The source's current objects, and a counter of the single-object reads the engine makes. */
function sourceOf(objects: AdObject[]): ReplaySource & { singleReads: number } {
  const source = Object.assign(new ReplaySource(), { singleReads: 0 });
  for (const o of objects) source.objects.set(o.objectGuid, o);
  const byGuid = source.readObject.bind(source);
  const byDn = source.readObjectByDn.bind(source);
  source.readObject = async (job, id) => (source.singleReads++, byGuid(job, id));
  source.readObjectByDn = async (job, dn) => (source.singleReads++, byDn(job, dn));
  return source;
}

test('groupFilter: the group and its direct members sync; members leaving are deleted, members joining are created', async () => {
  const h = await openHarness();
  try {
    const [ann, bob, cleo, dan, admin] = [user(1), user(2), user(3), user(4), user(5, { isCriticalSystemObject: 'TRUE' })];
    const nested = group(2, [cleo.dn]);
    const pilot = group(1, [ann.dn, bob.dn, nested.dn, admin.dn]);
    const job = scopedTo(h, pilot.dn.toUpperCase());
    const source = sourceOf([ann, bob, cleo, dan, admin, nested, pilot]);
    source.push([upsert(ann), upsert(bob), upsert(cleo), upsert(dan), upsert(admin), upsert(nested), upsert(pilot)]);
    const first = await runCycle({ job, source, store: h.store });
    assert.equal(first.execution.countEscrowed, 0);
    assert.deepEqual(first.synchronizedEntryCountByType, [{ key: 'user to User', value: 2 }, { key: 'group to Group', value: 2 }]);
    assert.ok(await cloudUser(h, 1));
    assert.ok(await cloudUser(h, 2));
    assert.equal(await cloudUser(h, 3), undefined, 'a member of a nested group is not included');
    assert.equal(await cloudUser(h, 4), undefined, 'not a member');
    assert.equal(await cloudUser(h, 5), undefined, 'a critical system object stays excluded as a member');
    assert.ok(await cloudGroup(h, 1), 'the included group itself');
    assert.ok(await cloudGroup(h, 2), 'a group that is a direct member');
    const dansLog = (await logsOf(h, first.cycleId)).find((l) => l.sourceIdentity.id === dan.objectGuid)!;
    assert.match(dansLog.provisioningSteps.find((s) => s.provisioningStepType === 'scoping')!.description, /neither an included group nor a direct member/);

    // Bob leaves the group, Dan joins it: only the group changes in AD.
    const pilot2 = group(1, [ann.dn, nested.dn, admin.dn, dan.dn]);
    source.objects.set(pilot.objectGuid, pilot2);
    source.push([{ kind: 'upsert', object: { ...pilot, attributes: {} }, complete: false, memberChanges: { added: [dan.dn], removed: [bob.dn] } }]);
    const threshold = { count: 1, percentage: null, settleMs: 0 };
    const held = await runCycle({ job, source, store: h.store, deleteThreshold: threshold });
    assert.equal((await cloudUser(h, 2))?.deletedDateTime, null, 'the threshold (1) holds Bob\'s delete back');
    assert.equal(held.stagedDeletes?.pending, 1);
    const staged = (await logsOf(h, held.cycleId)).find((l) => l.sourceIdentity.id === bob.objectGuid)!;
    assert.equal(staged.provisioningAction, 'stagedDelete');
    assert.ok((await cloudUser(h, 4))?.deletedDateTime === null, 'Dan joined: read whole and created');

    source.singleReads = 0;
    await h.store.transaction((tx) => tx.state.setForceDeletes(h.tenantId, h.job.jobId, true));
    const forced = await runCycle({ job, source, store: h.store, deleteThreshold: threshold });
    assert.notEqual((await cloudUser(h, 2))?.deletedDateTime, null, 'Bob left the scope: deleted through the delete path');
    assert.equal(forced.stagedDeletes?.applied, 1);
    assert.deepEqual(forced.synchronizedEntryCountByType, [{ key: 'user to User', value: 2 }, { key: 'group to Group', value: 2 }]);
    // One read of the included group, and Bob's (still out of scope, held then forced); the
    // excluded member is not read again every cycle.
    assert.ok(source.singleReads <= 2, `single-object reads in a quiet cycle: ${source.singleReads}`);
  } finally {
    await h.close();
  }
});

test('groupFilter: a group missing from AD fails the cycle, naming it, and deletes nothing', async () => {
  const h = await openHarness();
  try {
    const ann = user(1);
    const pilot = group(1, [ann.dn]);
    const source = sourceOf([ann, pilot]);
    source.push([upsert(ann), upsert(pilot)]);
    await runCycle({ job: scopedTo(h, pilot.dn), source, store: h.store });
    assert.ok(await cloudUser(h, 1));
    source.push([]);
    const typo = 'CN=Pilott,OU=Sales,DC=corp,DC=canopy,DC=test';
    await assert.rejects(runCycle({ job: scopedTo(h, typo), source, store: h.store }), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SOURCE_INVALID') && (e as Error).message.includes(typo));
    assert.equal((await cloudUser(h, 1))?.deletedDateTime, null);
  } finally {
    await h.close();
  }
});

test('groupFilter: provision on demand decides by the group\'s membership read now', async () => {
  const h = await openHarness();
  try {
    const [ann, dan] = [user(1), user(4)];
    const pilot = group(1, [ann.dn]);
    const source = sourceOf([ann, dan, pilot]);
    const job = scopedTo(h, pilot.dn);
    const inScope = await provisionOnDemand({ job, source, store: h.store, subject: { objectId: ann.dn, objectTypeName: 'user' } });
    assert.equal(inScope.log?.toSummary().provisioningAction, 'create');
    const outside = await provisionOnDemand({ job, source, store: h.store, subject: { objectId: dan.dn, objectTypeName: 'user' } });
    const scoping = outside.log!.toSummary().provisioningSteps.find((s) => s.provisioningStepType === 'scoping')!;
    assert.equal(scoping.status, 'skipped');
    assert.equal(await cloudUser(h, 4), undefined);
  } finally {
    await h.close();
  }
});
