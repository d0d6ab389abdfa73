/**
 * The cycle runner against the real SQLite directory store, with a source replaying
 * recorded pages: initial sync, then add, modify, rename, move, move out of scope, disable,
 * delete and restore; a crash mid-read and mid-page; soft match and a UPN clash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iteratePages } from '../../src/directory/store.ts';
import type { DirectoryUser, ProvisioningObjectSummary } from '../../src/directory/types.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import { immutableIdOf } from '../../src/engine/source-attributes.ts';
import { OUTSIDE, ReplaySource, SALES, group, guid, openHarness, tombstone, upsert, user, type Harness } from './support.ts';

async function users(h: Harness, deleted = false): Promise<DirectoryUser[]> {
  const all: DirectoryUser[] = [];
  for await (const u of iteratePages((cursor) => h.store.directory.listUsers(h.tenantId, { limit: 1000, deleted, ...(cursor ? { cursor } : {}) }))) all.push(u);
  return all;
}

async function byAnchor(h: Harness, n: number): Promise<DirectoryUser | undefined> {
  return h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(n)) });
}

async function memberIds(h: Harness, groupId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const m of iteratePages((cursor) => h.store.directory.listGroupMembers(h.tenantId, groupId, { limit: 1000, ...(cursor ? { cursor } : {}) }))) ids.push(m.object.id);
  return ids.sort();
}

async function logs(h: Harness, cycleId?: string): Promise<ProvisioningObjectSummary[]> {
  const all: ProvisioningObjectSummary[] = [];
  for await (const l of iteratePages((cursor) => h.store.directory.listProvisioningLogs(h.tenantId, { limit: 1000, jobId: h.job.jobId, ...(cycleId ? { cycleId } : {}), ...(cursor ? { cursor } : {}) }))) all.push(l);
  return all;
}

const boss = user(1, { title: 'Boss' });
const ann = user(2, { manager: boss.dn, proxyAddresses: ['SMTP:ann@corp.canopy.test'] });
const outsider = user(3, {}, { ou: OUTSIDE });
const krbtgt = user(4, { isCriticalSystemObject: 'TRUE' }, { cn: 'krbtgt' });
const svc = user(5, { sAMAccountName: 'svc-canopy' });
const anchored = user(6, {}, { consistencyGuid: '0a0b0c0d-0e0f-1011-1213-141516171819' });
const computer = { ...user(7), objectClass: 'computer' as const, objectClasses: ['top', 'user', 'computer'] };

test('initial sync, then add, modify, rename, move, move out of scope, disable, delete and restore', async () => {
  const h = await openHarness();
  try {
    const team = group(1, [ann.dn, boss.dn, anchored.dn, outsider.dn]);
    const source = new ReplaySource()
      // Full read in two pages; the group arrives before one of its members and the manager after its report.
      .push([upsert(ann), upsert(team), upsert(outsider), upsert(krbtgt)], [upsert(boss), upsert(svc), upsert(anchored), upsert(computer)]);
    const first = await runCycle({ job: h.job, source, store: h.store });
    assert.equal(first.mode, 'full');
    assert.equal(source.watermarksSeen[0], undefined);
    assert.deepEqual(first.synchronizedEntryCountByType, [{ key: 'user to User', value: 3 }, { key: 'group to Group', value: 1 }]);
    const synced = await users(h);
    assert.deepEqual(synced.map((u) => u.userPrincipalName).sort(), ['user1@corp.canopy.test', 'user2@corp.canopy.test', 'user6@corp.canopy.test']);
    const annCloud = (await byAnchor(h, 2))!;
    const bossCloud = (await byAnchor(h, 1))!;
    assert.equal(annCloud.managerId, bossCloud.id, 'manager resolved at the end of the cycle');
    assert.equal(annCloud.onPremisesSyncEnabled, true);
    assert.equal(annCloud.accountEnabled, true);
    assert.equal(annCloud.onPremisesDistinguishedName, ann.dn);
    assert.deepEqual(annCloud.proxyAddresses, ['SMTP:ann@corp.canopy.test']);
    const anchoredCloud = (await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf('0a0b0c0d-0e0f-1011-1213-141516171819') }))!;
    assert.ok(anchoredCloud, 'ms-DS-ConsistencyGuid is the anchor when set');
    const teamCloud = (await h.store.directory.findGroup(h.tenantId, { sourceAnchor: immutableIdOf(team.objectGuid) }))!;
    assert.equal(teamCloud.securityEnabled, true);
    assert.deepEqual(await memberIds(h, teamCloud.id), [annCloud.id, bossCloud.id, anchoredCloud.id].sort(), 'members synced later in the read are resolved; the out-of-scope one stays pending');
    const pending = await h.store.directory.listPendingReferences(h.tenantId, { limit: 10, groupId: teamCloud.id });
    assert.equal(pending.items.length, 1);
    const firstLogs = await logs(h, first.cycleId);
    assert.equal(firstLogs.filter((l) => l.provisioningAction === 'create').length, 4);
    assert.ok(firstLogs.some((l) => l.sourceIdentity.id === outsider.objectGuid && l.provisioningStatusInfo.status === 'skipped'));
    assert.ok(!firstLogs.some((l) => l.sourceIdentity.id === computer.objectGuid), 'computers are not processed as users');
    const job = await h.store.directory.getWatermark(h.tenantId, h.job.jobId);
    assert.equal(job, 'w0.1');

    // Delta: add, modify, rename (new CN, partial change), move within scope, disable.
    const renamed = { ...ann, dn: `CN=Ann Renamed,${SALES}`, attributes: { displayName: ['Ann Renamed'], cn: ['Ann Renamed'] } };
    const carl = user(8, { manager: renamed.dn });
    const moved = { ...boss, dn: `CN=User 1,OU=Leaders,${SALES}`, attributes: { title: ['Chief'] } };
    const disabled = { ...anchored, consistencyGuid: undefined, attributes: { userAccountControl: ['514'] } } as typeof anchored;
    source.push([upsert(carl), upsert(renamed, false), upsert(moved, false), upsert(disabled, false)]);
    const second = await runCycle({ job: h.job, source, store: h.store });
    assert.equal(second.mode, 'delta');
    assert.equal(source.watermarksSeen[1], 'w0.1');
    const annNow = (await byAnchor(h, 2))!;
    assert.equal(annNow.id, annCloud.id);
    assert.equal(annNow.displayName, 'Ann Renamed');
    assert.equal(annNow.onPremisesDistinguishedName, renamed.dn);
    assert.equal(annNow.mail, 'user2@corp.canopy.test', 'attributes absent from a partial change are kept');
    assert.equal(annNow.managerId, bossCloud.id, 'a partial change without manager keeps it');
    const bossNow = (await byAnchor(h, 1))!;
    assert.equal(bossNow.jobTitle, 'Chief');
    assert.equal(bossNow.onPremisesDistinguishedName, moved.dn);
    assert.equal((await byAnchor(h, 8))!.managerId, annCloud.id, 'a reference to a renamed object still resolves');
    const anchoredNow = (await h.store.directory.getUser(h.tenantId, anchoredCloud.id))!;
    assert.equal(anchoredNow.accountEnabled, false, 'disable: the anchor came from the engine state, not the partial change');
    const secondLogs = await logs(h, second.cycleId);
    assert.ok(secondLogs.some((l) => l.provisioningAction === 'disable' && l.sourceIdentity.id === anchored.objectGuid));
    const update = secondLogs.find((l) => l.sourceIdentity.id === ann.objectGuid)!;
    assert.deepEqual(update.modifiedProperties.find((p) => p.displayName === 'displayName'), { displayName: 'displayName', oldValue: 'User 2', newValue: 'Ann Renamed' });

    // Move out of scope, delete (tombstone), and a group member removal as an incremental value.
    const gone = { ...moved, dn: `CN=User 1,${OUTSIDE}`, attributes: {} };
    source.push([upsert(gone, false), tombstone(carl.objectGuid), { kind: 'upsert', object: { ...team, attributes: {} }, complete: false, memberChanges: { added: [], removed: [anchored.dn] } }]);
    await runCycle({ job: h.job, source, store: h.store });
    assert.equal((await h.store.directory.getUser(h.tenantId, bossCloud.id)), undefined, 'out of scope: gone from live users');
    assert.ok((await h.store.directory.getUser(h.tenantId, bossCloud.id, { includeDeleted: true }))?.deletedDateTime, 'in deleted items');
    const carlCloud = (await byAnchor(h, 8))!;
    assert.ok(carlCloud.deletedDateTime, 'a deleted user goes to deleted items');
    assert.deepEqual(await memberIds(h, teamCloud.id), [annCloud.id]);
    assert.equal((await users(h, true)).length, 2);

    // Restore: the tombstone is reanimated (same objectGUID), the moved user comes back in scope.
    source.push([upsert(carl), upsert(boss)]);
    const restore = await runCycle({ job: h.job, source, store: h.store });
    assert.equal((await h.store.directory.getUser(h.tenantId, carlCloud.id))?.deletedDateTime, null, 'restored, same id');
    assert.equal((await h.store.directory.getUser(h.tenantId, bossCloud.id))?.onPremisesDistinguishedName, boss.dn);
    assert.equal((await users(h, true)).length, 0);
    const anchors = (await users(h)).map((u) => u.onPremisesImmutableId);
    assert.equal(new Set(anchors).size, anchors.length, 'no duplicate anchors');
    assert.deepEqual(restore.synchronizedEntryCountByType, [{ key: 'user to User', value: 4 }, { key: 'group to Group', value: 1 }]);

    // A group delete.
    source.push([tombstone(team.objectGuid)]);
    await runCycle({ job: h.job, source, store: h.store });
    assert.equal(await h.store.directory.getGroup(h.tenantId, teamCloud.id), undefined);
  } finally {
    await h.close();
  }
});

test('a crash in the middle of a read or of a page, then a rerun: the same final state, no duplicates', async () => {
  const pages = [
    [upsert(user(11)), upsert(user(12)), upsert(group(2, [user(13).dn, user(11).dn]))],
    [upsert(user(13)), upsert(user(14, { manager: user(11).dn }))],
    [upsert(user(15)), upsert(user(16))],
  ];
  const reference = await openHarness();
  const crashing = await openHarness();
  try {
    await runCycle({ job: reference.job, source: new ReplaySource().push(...pages), store: reference.store });

    // 1. The source dies before page 2: page 0 and 1 are committed, the watermark says so.
    const source = new ReplaySource().push(...pages);
    source.failAt = 2;
    await assert.rejects(runCycle({ job: crashing.job, source, store: crashing.store }), /agent connection lost/);
    assert.equal(await crashing.store.directory.getWatermark(crashing.tenantId, crashing.job.jobId), 'w0.1');
    const status = await crashing.store.directory.countUsers(crashing.tenantId);
    assert.equal(status, 4);

    // 2. The store dies in the middle of the next page: nothing of that page commits.
    const original = crashing.store.transaction.bind(crashing.store);
    let calls = 0;
    (crashing.store as { transaction: typeof original }).transaction = (work) => original(async (tx) => {
      const result = await work({
        ...tx,
        directory: new Proxy(tx.directory, {
          get(target, name, receiver) {
            if (name === 'createUsers' && ++calls === 2) return async () => { throw new Error('disk I/O error'); };
            return Reflect.get(target, name, receiver);
          },
        }),
      });
      return result;
    });
    await assert.rejects(runCycle({ job: crashing.job, source, store: crashing.store }), /disk I\/O error/);
    assert.equal(await crashing.store.directory.countUsers(crashing.tenantId), 4, 'the page rolled back whole: user 15 is not there either');
    assert.equal(await crashing.store.directory.getWatermark(crashing.tenantId, crashing.job.jobId), 'w0.1');
    (crashing.store as { transaction: typeof original }).transaction = original;

    // 3. A full replay of already-applied pages is harmless too (at-least-once delivery).
    await crashing.store.transaction((tx) => tx.directory.setWatermark(crashing.tenantId, crashing.job.jobId, null));
    source.push(...pages);
    await runCycle({ job: crashing.job, source, store: crashing.store });

    const summarize = async (h: Harness) => (await users(h)).map((u) => [u.onPremisesImmutableId, u.userPrincipalName, u.managerId ? 'manager' : null]).sort();
    assert.deepEqual(await summarize(crashing), await summarize(reference));
    const anchors = (await users(crashing)).map((u) => u.onPremisesImmutableId);
    assert.equal(new Set(anchors).size, 6);
    const g = (await crashing.store.directory.findGroup(crashing.tenantId, { sourceAnchor: immutableIdOf(group(2, []).objectGuid) }))!;
    assert.equal((await memberIds(crashing, g.id)).length, 2);
    assert.equal(await crashing.store.directory.countGroups(crashing.tenantId), 1);
  } finally {
    await reference.close();
    await crashing.close();
  }
});

test('soft match attaches a cloud-only user with the same mail; a UPN clash with a cloud-only user is a logged per-object error', async () => {
  const h = await openHarness();
  try {
    const [cloudMail, cloudUpn] = await h.store.transaction((tx) => tx.directory.createUsers(h.tenantId, [
      { userPrincipalName: 'ann.cloud@corp.canopy.test', mail: 'user21@corp.canopy.test', displayName: 'Ann (cloud)' },
      { userPrincipalName: 'user22@corp.canopy.test', mail: 'someone.else@corp.canopy.test', displayName: 'Bob (cloud)' },
    ]));
    const source = new ReplaySource().push([upsert(user(21)), upsert(user(22)), upsert(user(23))]);
    const result = await runCycle({ job: h.job, source, store: h.store });
    const attached = (await h.store.directory.getUser(h.tenantId, cloudMail!.id))!;
    assert.equal(attached.onPremisesImmutableId, immutableIdOf(guid(21)));
    assert.equal(attached.onPremisesSyncEnabled, true);
    assert.equal(attached.userPrincipalName, 'user21@corp.canopy.test', 'AD now masters the attached user');
    assert.equal(attached.displayName, 'User 21');
    const untouched = (await h.store.directory.getUser(h.tenantId, cloudUpn!.id))!;
    assert.equal(untouched.onPremisesImmutableId, null, 'the clashing cloud-only user is never overwritten');
    assert.equal(untouched.displayName, 'Bob (cloud)');
    assert.ok(await byAnchor(h, 23), 'the rest of the cycle completed');
    assert.equal(await h.store.directory.countUsers(h.tenantId), 3);
    assert.equal(result.execution.countEscrowed, 1);
    assert.equal(result.execution.state, 'EntryLevelErrors');
    const entries = await logs(h, result.cycleId);
    const failure = entries.find((l) => l.sourceIdentity.id === guid(22))!;
    assert.equal(failure.provisioningStatusInfo.status, 'failure');
    assert.equal((failure.provisioningStatusInfo.errorInformation as { errorCode: string }).errorCode, 'AttributeValueMustBeUnique');
    assert.ok(failure.provisioningSteps.some((s) => s.provisioningStepType === 'matching' && s.status === 'failure'));
    const escrows = await h.store.directory.listEscrows(h.tenantId, h.job.jobId, { limit: 10 });
    assert.deepEqual(escrows.items.map((e) => e.sourceId), [guid(22)]);
    const soft = entries.find((l) => l.sourceIdentity.id === guid(21))!;
    assert.ok(soft.provisioningSteps.some((s) => s.provisioningStepType === 'matching' && /soft match on mail/.test(s.description)));

    // A soft-match candidate already synced from another anchor is a conflict too.
    source.push([upsert(user(24, { mail: 'user21@corp.canopy.test', userPrincipalName: 'x24@corp.canopy.test' }))]);
    const again = await runCycle({ job: h.job, source, store: h.store });
    assert.equal(again.execution.countEscrowed, 1);
    assert.equal(await byAnchor(h, 24), undefined);
  } finally {
    await h.close();
  }
});

test('the job status records lastExecution and synchronizedEntryCountByType in Graph shape', async () => {
  const h = await openHarness();
  try {
    await h.store.transaction((tx) => tx.directory.putSynchronizationJob({
      tenantId: h.tenantId, id: h.job.jobId, templateId: 'AD2AADProvisioning', servicePrincipalId: 'sp',
      schedule: { expiration: null, interval: 'PT2M', state: 'Active' }, status: { code: 'Active' },
      synchronizationJobSettings: [], schema: null, createdDateTime: new Date().toISOString(),
    }));
    await runCycle({ job: h.job, source: new ReplaySource().push([upsert(user(31)), upsert(group(3, [user(31).dn]))]), store: h.store });
    const job = (await h.store.directory.getSynchronizationJob(h.tenantId, h.job.jobId))!;
    const status = job.status as Record<string, unknown>;
    assert.equal(status.code, 'Active');
    const last = status.lastExecution as Record<string, unknown>;
    assert.equal(last.state, 'Succeeded');
    assert.equal(last.countImported, 2);
    assert.equal(last.countExported, 2);
    assert.deepEqual(status.synchronizedEntryCountByType, [{ key: 'user to User', value: 1 }, { key: 'group to Group', value: 1 }]);
    assert.equal(status.countSuccessiveCompleteFailures, 0);
  } finally {
    await h.close();
  }
});

test('a full re-read (reset) deletes the synced objects it no longer returns, then commits its watermark', async () => {
  const h = await openHarness();
  try {
    const source = new ReplaySource().push([upsert(user(41)), upsert(user(42)), upsert(user(43)), upsert(group(4, [user(41).dn]))]);
    await runCycle({ job: h.job, source, store: h.store });
    // The DC changed: the reader re-reads everything; user 42 and the group vanished meanwhile.
    source.pushReset('dc-changed', [upsert(user(41))], [upsert(user(43))]);
    const original = h.store.transaction.bind(h.store);
    let sweepFails = true;
    (h.store as { transaction: typeof original }).transaction = (work) => original(async (tx) => {
      const result = await work(tx);
      // Fail the sweep's first batch once: the re-read's last watermark must not be committed.
      if (sweepFails && (await tx.state.getResetToken(h.tenantId, h.job.jobId)) && (await tx.directory.countUsers(h.tenantId, { deleted: true })) > 0) {
        sweepFails = false;
        throw new Error('crash during the sweep');
      }
      return result;
    });
    await assert.rejects(runCycle({ job: h.job, source, store: h.store }), /crash during the sweep/);
    assert.equal(await h.store.directory.getWatermark(h.tenantId, h.job.jobId), 'w1.0', 'the last page of the re-read waits for the sweep');
    assert.equal(await h.store.directory.countUsers(h.tenantId), 3);
    (h.store as { transaction: typeof original }).transaction = original;
    // The reader replays the re-read (its intermediate watermarks point to its start).
    source.pushReset('dc-changed', [upsert(user(41))], [upsert(user(43))]);
    const result = await runCycle({ job: h.job, source, store: h.store });
    assert.equal(await h.store.directory.getWatermark(h.tenantId, h.job.jobId), 'w2.1');
    assert.ok((await byAnchor(h, 42))?.deletedDateTime, 'user 42 went to deleted items');
    assert.equal(await h.store.directory.countGroups(h.tenantId), 0);
    assert.equal(await h.store.directory.countUsers(h.tenantId), 2);
    const entries = await logs(h, result.cycleId);
    assert.ok(entries.some((l) => l.sourceIdentity.id === guid(42) && l.provisioningAction === 'delete'));
    // A later plain delta deletes nothing on its own.
    source.push([upsert(user(41, { title: 'x' }))]);
    await runCycle({ job: h.job, source, store: h.store });
    assert.equal(await h.store.directory.countUsers(h.tenantId), 2);
  } finally {
    await h.close();
  }
});

test('references by objectGUID (as the SCIM service sends them) resolve, pending ones included', async () => {
  const h = await openHarness();
  try {
    const members = [user(52).objectGuid, user(51).objectGuid];
    const source = new ReplaySource().push(
      [upsert(group(5, members)), upsert(user(51))],
      [upsert(user(52, { manager: user(53).objectGuid })), upsert(user(53))],
    );
    await runCycle({ job: h.job, source, store: h.store });
    const g = (await h.store.directory.findGroup(h.tenantId, { sourceAnchor: immutableIdOf(group(5, []).objectGuid) }))!;
    assert.deepEqual(await memberIds(h, g.id), [(await byAnchor(h, 51))!.id, (await byAnchor(h, 52))!.id].sort());
    assert.equal((await byAnchor(h, 52))!.managerId, (await byAnchor(h, 53))!.id);
    source.push([{ kind: 'upsert', object: { ...group(5, []), attributes: {} }, complete: false, memberChanges: { added: [user(53).objectGuid], removed: [user(51).objectGuid] } }]);
    await runCycle({ job: h.job, source, store: h.store });
    assert.deepEqual(await memberIds(h, g.id), [(await byAnchor(h, 52))!.id, (await byAnchor(h, 53))!.id].sort());
  } finally {
    await h.close();
  }
});

test('escrowed objects are retried on later cycles: once the conflict is gone, the object syncs and leaves escrow', async () => {
  const h = await openHarness();
  try {
    const [cloudOnly] = await h.store.transaction((tx) => tx.directory.createUsers(h.tenantId, [{ userPrincipalName: 'user71@corp.canopy.test', mail: 'other@corp.canopy.test' }]));
    const source = new ReplaySource().push([upsert(user(71))]);
    source.objects.set(guid(71), user(71));
    const first = await runCycle({ job: h.job, source, store: h.store });
    assert.equal(first.execution.countEscrowed, 1);
    // Still clashing: retried, still escrowed, one more attempt counted.
    source.push([]);
    await runCycle({ job: h.job, source, store: h.store });
    assert.equal((await h.store.directory.listEscrows(h.tenantId, h.job.jobId, { limit: 10 })).items[0]?.attempts, 2);
    // The admin renames the cloud-only user: the next cycle (no AD change at all) brings user 71 in.
    await h.store.transaction((tx) => tx.directory.updateUsers(h.tenantId, [{ id: cloudOnly!.id, userPrincipalName: 'renamed@corp.canopy.test' }]));
    source.push([]);
    const third = await runCycle({ job: h.job, source, store: h.store });
    assert.equal(third.execution.countEscrowed, 0);
    assert.equal((await byAnchor(h, 71))?.userPrincipalName, 'user71@corp.canopy.test');
    assert.equal(await h.store.directory.countEscrows(h.tenantId, h.job.jobId), 0);
  } finally {
    await h.close();
  }
});

test('an escrow backs off by itself: retried on each next cycle until 5 failures, then 1 min after the last, doubling; the fix is still picked up', async () => {
  const h = await openHarness();
  try {
    const [cloudOnly] = await h.store.transaction((tx) => tx.directory.createUsers(h.tenantId, [{ userPrincipalName: 'user72@corp.canopy.test', mail: 'other72@corp.canopy.test' }]));
    const source = new ReplaySource().push([upsert(user(72))]);
    source.objects.set(guid(72), user(72));
    let reads = 0;
    const readObject = source.readObject.bind(source);
    source.readObject = async (job, objectGuid) => {
      reads += 1;
      return readObject(job, objectGuid);
    };
    // The store stamps failures with the real time; the cycle's clock runs ahead of it by `ahead`.
    let ahead = 0;
    const cycle = async () => {
      source.push([]);
      return runCycle({ job: h.job, source, store: h.store, now: () => new Date(Date.now() + ahead) });
    };
    const attempts = async () => (await h.store.directory.listEscrows(h.tenantId, h.job.jobId, { limit: 10 })).items[0]?.attempts;
    assert.equal((await cycle()).execution.countEscrowed, 1);
    for (let n = 2; n <= 5; n += 1) {
      await cycle();
      assert.equal(await attempts(), n, `retried on cycle ${n}`);
    }
    assert.equal(reads, 4);
    await cycle();
    assert.equal(reads, 4, 'after 5 failures: not read again at once');
    assert.equal(await attempts(), 5);
    ahead = 61_000;
    await cycle();
    assert.equal(reads, 5, 'a minute later: retried');
    assert.equal(await attempts(), 6);
    await cycle();
    assert.equal(reads, 5, 'now it waits 2 minutes');
    // The admin fixes the clash: the retry due next brings the user in.
    await h.store.transaction((tx) => tx.directory.updateUsers(h.tenantId, [{ id: cloudOnly!.id, userPrincipalName: 'renamed72@corp.canopy.test' }]));
    ahead = 121_000;
    const fixed = await cycle();
    assert.equal(reads, 6);
    assert.equal(fixed.execution.countEscrowed, 0);
    assert.equal((await byAnchor(h, 72))?.userPrincipalName, 'user72@corp.canopy.test');
    assert.equal(await h.store.directory.countEscrows(h.tenantId, h.job.jobId), 0);
  } finally {
    await h.close();
  }
});

test('Function sources run in the cycle; one whose Error() fires fails that object only, and the cycle completes', async () => {
  const h = await openHarness();
  try {
    const rule = h.job.schema.synchronizationRules[0]!;
    const [users, ...others] = rule.objectMappings;
    const withFunction = {
      ...users!,
      attributeMappings: [
        ...users!.attributeMappings.filter((a) => a.targetAttributeName !== 'jobTitle'),
        { targetAttributeName: 'jobTitle', flowType: 'Always' as const, source: { expression: 'IIF(IsPresent([title]), ToUpper([title]), Error("no title"))', name: 'IIF', type: 'Function' as const, parameters: [] } },
      ],
    };
    const job = { ...h.job, schema: { ...h.job.schema, synchronizationRules: [{ ...rule, objectMappings: [withFunction, ...others] }] } };
    const result = await runCycle({ job, source: new ReplaySource().push([upsert(user(81)), upsert(user(82, { title: 'chef' })), upsert(group(8, []))]), store: h.store });
    assert.equal(result.execution.countEscrowed, 1);
    assert.equal(await h.store.directory.countUsers(h.tenantId), 1);
    assert.equal((await byAnchor(h, 82))?.jobTitle, 'CHEF');
    assert.equal(await h.store.directory.countGroups(h.tenantId), 1, 'the group mapping has no Function: it syncs');
    const entry = (await logs(h, result.cycleId)).find((l) => l.sourceIdentity.id === guid(81))!;
    const info = entry.provisioningStatusInfo.errorInformation as { errorCode: string; reason: string };
    assert.equal(info.errorCode, 'AttributeMappingFailed');
    assert.match(info.reason, /jobTitle: no title \(at column 43\)/);
  } finally {
    await h.close();
  }
});

test('deleted users leave deleted items for good after 30 days, and so do old provisioning logs', async () => {
  const h = await openHarness();
  try {
    let clock = new Date('2026-01-01T00:00:00Z');
    const now = () => clock;
    const source = new ReplaySource().push([upsert(user(95)), upsert(user(96))]);
    await runCycle({ job: h.job, source, store: h.store, now });
    source.push([tombstone(guid(95))]);
    await runCycle({ job: h.job, source, store: h.store, now });
    clock = new Date('2026-01-25T00:00:00Z');
    source.push([]);
    await runCycle({ job: h.job, source, store: h.store, now });
    assert.equal(await h.store.directory.countUsers(h.tenantId, { deleted: true }), 1, 'within 30 days: still restorable');
    clock = new Date('2026-02-01T00:00:01Z');
    source.push([]);
    await runCycle({ job: h.job, source, store: h.store, now });
    assert.equal(await h.store.directory.countUsers(h.tenantId, { deleted: true }), 0);
    assert.equal(await h.store.directory.countUsers(h.tenantId), 1);
    assert.equal((await logs(h)).length, 0, 'the January logs are past retention');
    // The purged user coming back is a new cloud user (its old one is gone for good).
    source.push([upsert(user(95))]);
    await runCycle({ job: h.job, source, store: h.store, now });
    assert.ok(await byAnchor(h, 95));
  } finally {
    await h.close();
  }
});
