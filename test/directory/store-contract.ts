/**
 * The contract every DirectoryStore adapter passes (SQLite now, Postgres later): each adapter's
 * test file calls runStoreContract with a factory that gives a fresh, empty store.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isCanopyError } from '../../src/core/errors.ts';
import type { DirectoryStore } from '../../src/directory/store.ts';
import { withTenants, type StoreFactory } from './store-contract-support.ts';
import { runDirectoryObjectContract } from './store-contract-objects.ts';
import { runSyncStateContract } from './store-contract-sync.ts';

export type { StoreFactory };

export function runStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`DirectoryStore contract: ${name}`, () => {
    test('tenants, applications and service principals round-trip, scoped by tenant', () => withTenants(makeStore, async (store, a, b) => {
      const now = new Date().toISOString();
      await store.transaction(async (tx) => {
        await tx.createApplication({ tenantId: a, id: randomUUID(), appId: 'app-1', displayName: 'Admin', passwordCredentials: [{ keyId: 'k', hint: 'abc', secretHash: 'h', endDateTime: null }], roles: ['User.Read.All'], createdDateTime: now });
        await tx.createServicePrincipal({ tenantId: a, id: 'sp-1', appId: '1a4721b3-e57f-4451-ae87-ef078703ec94', displayName: 'Sync', appDisplayName: 'Sync', servicePrincipalNames: ['1a4721b3-e57f-4451-ae87-ef078703ec94'], createdDateTime: now });
      });
      assert.equal((await store.listTenants()).length, 2);
      assert.equal((await store.getTenant(a))?.displayName, 'Tenant A');
      const app = await store.getApplicationByAppId(a, 'app-1');
      assert.deepEqual(app?.roles, ['User.Read.All']);
      assert.equal(app?.passwordCredentials[0]?.secretHash, 'h');
      assert.equal(await store.getApplicationByAppId(b, 'app-1'), undefined);
      assert.deepEqual((await store.getServicePrincipal(a, 'sp-1'))?.servicePrincipalNames, ['1a4721b3-e57f-4451-ae87-ef078703ec94']);
      assert.equal(await store.getServicePrincipal(b, 'sp-1'), undefined);
      assert.equal((await store.listServicePrincipals(b)).length, 0);
    }));

    test('writes to an unknown tenant fail with ERR_DIRECTORY_NOT_FOUND', async () => {
      const store = await makeStore();
      try {
        await assert.rejects(
          store.transaction((tx) => tx.createUsers(randomUUID(), [{ userPrincipalName: 'x@y' }])),
          (error) => isCanopyError(error, 'ERR_DIRECTORY_NOT_FOUND'),
        );
      } finally {
        await store.close();
      }
    });

    test('a failed transaction leaves nothing behind, the watermark included', () => withTenants(makeStore, async (store, a) => {
      await assert.rejects(store.transaction(async (tx) => {
        await tx.createUsers(a, [{ userPrincipalName: 'one@a.test' }]);
        await tx.setWatermark(a, 'job', 'w1');
        throw new Error('boom');
      }), /boom/);
      assert.equal(await store.countUsers(a), 0);
      assert.equal(await store.getWatermark(a, 'job'), undefined);
    }));

    test('the store reads committed data only while a transaction is open; the transaction sees its own writes', () => withTenants(makeStore, async (store, a) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      let inside!: () => void;
      const entered = new Promise<void>((resolve) => { inside = resolve; });
      const pending = store.transaction(async (tx) => {
        await tx.createUsers(a, [{ userPrincipalName: 'half@a.test' }]);
        assert.equal(await tx.countUsers(a), 1);
        inside();
        await gate;
      });
      await entered;
      assert.equal(await store.countUsers(a), 0);
      release();
      await pending;
      assert.equal(await store.countUsers(a), 1);
    }));

    test('concurrent transactions all commit whole, and a finished transaction cannot be used', () => withTenants(makeStore, async (store, a) => {
      let leaked: Parameters<Parameters<DirectoryStore['transaction']>[0]>[0] | undefined;
      await Promise.all([1, 2, 3].map((n) => store.transaction(async (tx) => {
        await tx.createUsers(a, [{ userPrincipalName: `u${n}a@a.test` }]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await tx.createUsers(a, [{ userPrincipalName: `u${n}b@a.test` }]);
        leaked = tx;
      })));
      await assert.rejects(leaked!.createUsers(a, [{ userPrincipalName: 'late@a.test' }]), TypeError);
      assert.equal(await store.countUsers(a), 6);
    }));

    runDirectoryObjectContract(makeStore);
    runSyncStateContract(makeStore);
  });
}
