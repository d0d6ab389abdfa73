/**
 * The delete threshold in the cycle, against the real SQLite store (or Postgres with
 * CANOPY_TEST_STORE): deletes are staged, counted over a burst that spreads across reads,
 * held with the job in Quarantine/TooManyDeletes, applied by ForceDeletes, re-evaluated by a
 * restart (objects that came back stay), and a percentage of the synced objects trips too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iteratePages } from '../../src/directory/store.ts';
import type { ProvisioningObjectSummary } from '../../src/directory/types.ts';
import { restartJob } from '../../src/api/synchronization-model.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import { deleteThresholdOf, exceeds, type DeleteThreshold } from '../../src/engine/delete-threshold.ts';
import { OUTSIDE, ReplaySource, openHarness, tombstone, upsert, user, guid, type Harness } from './support.ts';

async function logs(h: Harness, cycleId: string): Promise<ProvisioningObjectSummary[]> {
  const all: ProvisioningObjectSummary[] = [];
  for await (const l of iteratePages((cursor) => h.store.directory.listProvisioningLogs(h.tenantId, { limit: 1000, jobId: h.job.jobId, cycleId, ...(cursor ? { cursor } : {}) }))) all.push(l);
  return all;
}

const actions = (entries: readonly ProvisioningObjectSummary[], action: string) => entries.filter((e) => e.provisioningAction === action).length;

async function putJob(h: Harness): Promise<void> {
  await h.store.transaction((tx) => tx.directory.putSynchronizationJob({
    tenantId: h.tenantId, id: h.job.jobId, templateId: 'AD2AADProvisioning', servicePrincipalId: 'sp',
    schedule: { expiration: null, interval: 'PT2M', state: 'Active' }, status: { code: 'Active', quarantine: null },
    synchronizationJobSettings: [], schema: null, createdDateTime: new Date().toISOString(),
  }));
}

async function status(h: Harness): Promise<Record<string, unknown>> {
  return (await h.store.directory.getSynchronizationJob(h.tenantId, h.job.jobId))!.status as Record<string, unknown>;
}

async function restart(h: Harness, scopes: Parameters<typeof restartJob>[2]): Promise<void> {
  await h.store.transaction(async (tx) => {
    await restartJob(tx.directory, (await tx.directory.getSynchronizationJob(h.tenantId, h.job.jobId))!, scopes);
    // What the engine does on the API's jobRestarted event (engine.ts onSynchronizationEvent).
    await tx.state.setForceDeletes(h.tenantId, h.job.jobId, scopes.includes('ForceDeletes'));
  });
}

const liveUsers = (h: Harness) => h.store.directory.countUsers(h.tenantId);
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

test('threshold settings: Entra keys and ours, strings or JSON values, disabled, percentage floor', () => {
  assert.deepEqual(deleteThresholdOf({}), { count: 500, percentage: 25, settleMs: 5000 });
  assert.equal(deleteThresholdOf({ DeleteThresholdEnabled: false }), undefined);
  assert.deepEqual(deleteThresholdOf({ DeleteThresholdValue: '50' as unknown as number, DeleteThresholdPercentage: 0, DeleteSettleSeconds: 1 }), { count: 50, percentage: null, settleMs: 1000 });
  assert.equal(deleteThresholdOf({}, [{ name: 'QuarantineTooManyDeletesThreshold', value: '7' }])!.count, 7);
  const t: DeleteThreshold = { count: 500, percentage: 25, settleMs: 0 };
  assert.equal(exceeds(t, 499, 100_000), undefined, 'a threshold of 500 lets 499 through');
  assert.match(exceeds(t, 500, 100_000)!, /500 deletes reach the delete threshold of 500/);
  assert.equal(exceeds(t, 9, 10), undefined, 'under the floor of 10 deletes the percentage does not apply');
  assert.match(exceeds(t, 10, 40)!, /25% of the job's 40 synced objects/);
});

test('a burst spread over several reads is counted whole: nothing deleted, all staged, quarantine; later deletes held; ForceDeletes applies them', async () => {
  const h = await openHarness();
  try {
    await putJob(h);
    const threshold: DeleteThreshold = { count: 10, percentage: null, settleMs: 0 };
    const source = new ReplaySource().push(range(1, 30).map((n) => upsert(user(n))));
    await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    assert.equal(await liveUsers(h), 30);

    // AD deletes users while cycles run: each read sees a slice of the burst.
    source.push(range(1, 4).map((n) => tombstone(guid(n))));
    source.push(range(5, 4).map((n) => tombstone(guid(n))));
    source.push(range(9, 4).map((n) => tombstone(guid(n))));
    const tripped = await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    assert.equal(await liveUsers(h), 30, 'nothing deleted');
    assert.equal(source.reads.length, 0, 'the cycle read again while deletes kept coming');
    assert.equal(tripped.stagedDeletes?.pending, 12);
    assert.equal(tripped.quarantine?.kind, 'entered');
    const entries = await logs(h, tripped.cycleId);
    assert.equal(actions(entries, 'stagedDelete'), 12);
    assert.equal(actions(entries, 'delete'), 0);
    let s = await status(h);
    assert.equal(s.code, 'Quarantine');
    const q = s.quarantine as Record<string, unknown>;
    assert.equal(q.reason, 'TooManyDeletes');
    assert.match(String((q.error as { message: string }).message), /12 deletes reach the delete threshold of 10.*ForceDeletes/);
    assert.equal(q.seriesCount, 1);

    // Quarantined: the next cycle still applies other changes and holds every delete.
    source.push([tombstone(guid(20)), upsert(user(21, { title: 'Still synced' }))]);
    const held = await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    assert.equal(held.quarantine, undefined, 'no second transition (no second email)');
    assert.equal(held.stagedDeletes?.pending, 13);
    assert.equal(await liveUsers(h), 30);
    const u21 = await h.store.directory.findUser(h.tenantId, { userPrincipalName: 'user21@corp.canopy.test' });
    assert.equal(u21?.jobTitle, 'Still synced');

    await restart(h, ['ForceDeletes']);
    const forced = await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    assert.equal(forced.stagedDeletes?.applied, 13);
    assert.equal(forced.quarantine, undefined, 'the restart itself lifted the quarantine (Graph: start and restart clear it)');
    assert.equal(await liveUsers(h), 17);
    assert.equal(actions(await logs(h, forced.cycleId), 'delete'), 13);
    s = await status(h);
    assert.equal(s.quarantine, null);
    assert.equal(s.code, 'Active');
    assert.equal(await h.store.state.getForceDeletes(h.tenantId, h.job.jobId), false, 'ForceDeletes is carried out once');
  } finally {
    await h.close();
  }
});

test('under the threshold, staged deletes are applied in the same cycle once a read brings no more', async () => {
  const h = await openHarness();
  try {
    await putJob(h);
    const threshold: DeleteThreshold = { count: 10, percentage: 25, settleMs: 0 };
    const source = new ReplaySource().push(range(1, 20).map((n) => upsert(user(n))));
    await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    source.push([tombstone(guid(1)), tombstone(guid(2)), upsert(user(3, {}, { ou: OUTSIDE }))]);
    const result = await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    assert.equal(result.stagedDeletes?.applied, 3);
    assert.equal(result.quarantine, undefined);
    assert.equal(await liveUsers(h), 17);
    const entries = await logs(h, result.cycleId);
    assert.equal(actions(entries, 'stagedDelete'), 3);
    assert.equal(actions(entries, 'delete'), 3);
    assert.equal((await status(h)).code, 'Active');
  } finally {
    await h.close();
  }
});

test('a scoping OU moved away in a small directory trips the percentage; a restart re-evaluates and keeps the objects that came back', async () => {
  const h = await openHarness();
  try {
    await putJob(h);
    const threshold: DeleteThreshold = { count: 500, percentage: 25, settleMs: 0 };
    const source = new ReplaySource().push(range(1, 40).map((n) => upsert(user(n))));
    await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    // 30 of 40 users leave scope (their OU moved).
    source.push(range(1, 30).map((n) => upsert(user(n, {}, { ou: OUTSIDE }))));
    const tripped = await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    assert.equal(tripped.quarantine?.kind, 'entered');
    assert.match(String(((await status(h)).quarantine as { error: { message: string } }).error.message), /75% of the job's 40 synced objects/);
    assert.equal(await liveUsers(h), 40);

    // A restart without ForceDeletes while nothing came back: evaluated again, held again.
    await restart(h, ['QuarantineState']);
    const still = await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    assert.equal(still.quarantine?.kind, 'entered');
    assert.equal(await liveUsers(h), 40);

    // The OU is moved back for 25 of them, then the admin restarts without ForceDeletes.
    source.push(range(1, 25).map((n) => upsert(user(n))));
    await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    assert.equal(await h.store.state.countStagedDeletes(h.tenantId, h.job.jobId), 5, 'the objects that came back are unstaged');
    assert.equal((await status(h)).code, 'Quarantine', 'held until the admin restarts');
    await restart(h, ['QuarantineState']);
    const again = await runCycle({ job: h.job, source, store: h.store, deleteThreshold: threshold });
    assert.equal(again.stagedDeletes?.applied, 5, 'five left: under the percentage floor and under 500');
    assert.equal(again.stagedDeletes?.pending, 0);
    assert.equal(await liveUsers(h), 35);
    for (const n of [1, 25]) assert.equal((await h.store.directory.findUser(h.tenantId, { userPrincipalName: `user${n}@corp.canopy.test` }))?.deletedDateTime, null);
    assert.ok((await h.store.directory.findUser(h.tenantId, { userPrincipalName: 'user30@corp.canopy.test' }))?.deletedDateTime);
    assert.equal((await status(h)).code, 'Active');
  } finally {
    await h.close();
  }
});
