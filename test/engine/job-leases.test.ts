/**
 * Job leases with a fencing token on a real Postgres: two "nodes" (two stores on one
 * schema, each with its own pool). One holds the lease at a time; a lease left to expire
 * passes to the other with a higher token; the old holder's page writes are refused by the
 * store; a takeover waits for a page transaction in flight and then sees its watermark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { isCanopyError } from '../../src/core/errors.ts';
import { openPostgresDirectoryStore } from '../../src/directory/postgres/store.ts';
import { createPostgresSyncStore } from '../../src/engine/postgres/sync-store.ts';
import { createPostgresJobLeases, runUnderLease, type JobLease } from '../../src/engine/postgres/job-leases.ts';
import { createTestDatabase } from '../support/postgres.ts';

const db = await createTestDatabase();

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('job leases: one holder at a time, takeover after expiry with a higher token, the late writer refused by the store, a takeover waits for the page in flight', { skip: 'skip' in db ? db.skip : undefined }, async () => {
  if ('skip' in db) return;
  const url = db.freshSchemaUrl();
  const nodes = await Promise.all(['a', 'b'].map(async (name) => {
    const directory = await openPostgresDirectoryStore(url);
    const sync = await createPostgresSyncStore(directory);
    return { name, directory, sync, leases: createPostgresJobLeases(directory.pool) };
  }));
  const [a, b] = nodes as [typeof nodes[0], typeof nodes[0]];
  const tenantId = randomUUID();
  const job = 'AD2AADProvisioning.lease';
  await a.directory.transaction((tx) => tx.createTenant({ id: tenantId, displayName: 'T', createdDateTime: new Date().toISOString() }));
  const page = (lease: JobLease, watermark: string, upn: string) => runUnderLease(lease, () => (lease.holder === 'a' ? a : b).sync.transaction(async (tx) => {
    await tx.directory.createUsers(tenantId, [{ userPrincipalName: upn }]);
    await tx.directory.setWatermark(tenantId, job, watermark);
  }));
  try {
    const leaseA = (await a.leases.acquire(tenantId, job, 'a', 1500))!;
    assert.equal(leaseA.token, 1);
    assert.equal(await b.leases.acquire(tenantId, job, 'b', 1500), undefined, 'held by a');
    await page(leaseA, 'w1', 'p1@corp.test');

    // a stops renewing (a dead or paused node); b takes over once the lease expired.
    const leaseB = await until(() => b.leases.acquire(tenantId, job, 'b', 60_000), 'b to take the expired lease');
    assert.equal(leaseB.token, 2);
    assert.equal(await a.leases.renew(leaseA, 60_000), false, 'a learns it lost the lease');
    await assert.rejects(page(leaseA, 'w-late', 'late@corp.test'), (e) => isCanopyError(e, 'ERR_ENGINE_LEASE_LOST'));
    assert.equal(await a.directory.getWatermark(tenantId, job), 'w1', "the late writer's watermark did not land");
    assert.equal(await a.directory.findUser(tenantId, { userPrincipalName: 'late@corp.test' }), undefined, "nor did its writes");

    // b's page is in flight (fence passed, lease row held FOR SHARE); its lease then expires.
    await b.leases.release(leaseB);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => { entered = resolve; });
    const inFlight = runUnderLease(leaseB, () => b.sync.transaction(async (tx) => {
      await tx.directory.createUsers(tenantId, [{ userPrincipalName: 'p2@corp.test' }]);
      await tx.directory.setWatermark(tenantId, job, 'w2');
      entered();
      await gate;
    }));
    await inside;
    let takenAt: number | undefined;
    const takeover = a.leases.acquire(tenantId, job, 'a', 60_000).then((lease) => { takenAt = Date.now(); return lease; });
    // The takeover is blocked on the lease row's lock (seen in pg_locks), not merely slow.
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    try {
      await until(async () => (await watcher.query("SELECT 1 FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')")).rowCount! > 0, 'the takeover to wait on the lock');
    } finally {
      await watcher.end();
    }
    assert.equal(takenAt, undefined);
    release();
    await inFlight;
    const leaseA2 = (await takeover)!;
    assert.equal(leaseA2.token, 3);
    assert.equal(await a.directory.getWatermark(tenantId, job), 'w2', 'the new holder resumes from the committed page');
    await assert.rejects(page(leaseB, 'w-late-b', 'late-b@corp.test'), (e) => isCanopyError(e, 'ERR_ENGINE_LEASE_LOST'));
    await page(leaseA2, 'w3', 'p3@corp.test');
    assert.equal(await a.directory.getWatermark(tenantId, job), 'w3');
    assert.equal(await a.directory.countUsers(tenantId), 3);
  } finally {
    for (const node of nodes) {
      await node.sync.close();
      await node.directory.close();
    }
  }
});
