/**
 * One page's reads are batched (page-lookup.ts, soft-match-keys.ts): what the page itself
 * writes must still be seen by the objects after it in the same page, as if every lookup
 * went to the transaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCycle } from '../../src/engine/cycle.ts';
import { immutableIdOf } from '../../src/engine/source-attributes.ts';
import { ReplaySource, guid, openHarness, upsert, user } from './support.ts';

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
