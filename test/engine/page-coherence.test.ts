/**
 * One page's reads are batched (page-lookup.ts, soft-match-keys.ts): what the page itself
 * writes must still be seen by the objects after it in the same page, as if every lookup
 * went to the transaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCycle } from '../../src/engine/cycle.ts';
import { immutableIdOf } from '../../src/engine/source-attributes.ts';
import { ReplaySource, guid, openHarness, tombstone, upsert, user } from './support.ts';

test('within one page, a user created earlier holds its UPN and addresses against the users after it', async () => {
  const h = await openHarness();
  try {
    const source = new ReplaySource().push([
      upsert(user(31)),
      // The UPN user 31 was just given: a conflict, not a store error that rolls the page back.
      upsert(user(32, { userPrincipalName: 'user31@corp.canopy.test', mail: 'x32@corp.canopy.test' })),
      upsert(user(33, { proxyAddresses: ['SMTP:user33@corp.canopy.test', 'smtp:shared@corp.canopy.test'] })),
      // Its primary address is a secondary address of user 33, created in this page.
      upsert(user(34, { mail: 'shared@corp.canopy.test' })),
      upsert(user(35)),
    ]);
    const result = await runCycle({ job: h.job, source, store: h.store });
    assert.equal(result.execution.countEscrowed, 2);
    const escrows = await h.store.directory.listEscrows(h.tenantId, h.job.jobId, { limit: 10 });
    assert.deepEqual(escrows.items.map((e) => e.sourceId).sort(), [guid(32), guid(34)]);
    for (const n of [31, 33, 35]) assert.ok(await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(n)) }), `user ${n} synced`);
    assert.equal(await h.store.directory.countUsers(h.tenantId), 3);
    const holder = await h.store.directory.findUser(h.tenantId, { proxyAddress: 'smtp:shared@corp.canopy.test' });
    assert.equal(holder?.onPremisesImmutableId, immutableIdOf(guid(33)), 'the address stays with the user that had it first');
  } finally {
    await h.close();
  }
});

test('within one page, a cloud-only user attached by soft match is not offered to a second source user', async () => {
  const h = await openHarness();
  try {
    await h.store.transaction((tx) => tx.directory.createUsers(h.tenantId, [
      { userPrincipalName: 'cloud@corp.canopy.test', mail: 'user41@corp.canopy.test', displayName: 'Cloud only' },
    ]));
    const source = new ReplaySource().push([
      upsert(user(41)),
      upsert(user(42, { mail: 'user41@corp.canopy.test' })),
    ]);
    const result = await runCycle({ job: h.job, source, store: h.store });
    assert.equal(result.execution.countEscrowed, 1, 'the second claim on the address is a conflict');
    const attached = await h.store.directory.findUser(h.tenantId, { mail: 'user41@corp.canopy.test' });
    assert.equal(attached?.onPremisesImmutableId, immutableIdOf(guid(41)));
    assert.equal(attached?.userPrincipalName, 'user41@corp.canopy.test');
    assert.equal(await h.store.directory.countUsers(h.tenantId), 1);
  } finally {
    await h.close();
  }
});

test('a new user is created with its manager when that one is synced; a manager deleted earlier in the same page is not kept', async () => {
  const h = await openHarness();
  try {
    const boss = user(51);
    const source = new ReplaySource()
      .push([upsert(boss)])
      .push([upsert(user(52, { manager: boss.dn })), tombstone(guid(51)), upsert(user(53, { manager: boss.dn }))]);
    await runCycle({ job: h.job, source, store: h.store });
    const bossId = (await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(51)) }))!.id;
    const result = await runCycle({ job: h.job, source, store: h.store });
    assert.equal(result.execution.countEscrowed, 0);
    const managerOf = async (n: number) => (await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(n)) }))?.managerId;
    // 52 was created while its manager was live, 53 after it was deleted; neither may keep a
    // deleted manager once the page resolves its references (the manager is pending again).
    assert.equal(await managerOf(52), null);
    assert.equal(await managerOf(53), null);
    assert.equal((await h.store.directory.getUser(h.tenantId, bossId, { includeDeleted: true }))?.deletedDateTime !== null, true);

    // A manager synced in an earlier cycle is set at creation, with the log saying so.
    source.push([upsert(user(54)), upsert(user(55, { manager: user(54).dn }))]);
    const third = await runCycle({ job: h.job, source, store: h.store });
    const id54 = (await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(54)) }))!.id;
    assert.equal(await managerOf(55), id54);
    const logs = await h.store.directory.listProvisioningLogs(h.tenantId, { limit: 10, cycleId: third.cycleId, sourceId: guid(55) });
    const modified = logs.items[0]!.modifiedProperties.find((p) => p.displayName === 'manager');
    assert.equal(modified?.newValue, id54);
  } finally {
    await h.close();
  }
});
