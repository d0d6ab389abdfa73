/** The store contract against a real Postgres, plus what only the Postgres adapter promises. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { isCanopyError } from '../../src/core/errors.ts';
import { openPostgresDirectoryStore } from '../../src/directory/postgres/store.ts';
import { DIRECTORY_POSTGRES_MIGRATIONS } from '../../src/directory/postgres/migrations.ts';
import { DIRECTORY_MIGRATIONS } from '../../src/directory/sqlite/migrations.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { runStoreContract } from './store-contract.ts';

const db = await createTestDatabase();

test('postgres: every SQLite directory migration has its Postgres step, in the same order', () => {
  assert.deepEqual(DIRECTORY_POSTGRES_MIGRATIONS.map((m) => m.id), DIRECTORY_MIGRATIONS.map((m) => m.id));
});

if ('skip' in db) {
  test('DirectoryStore contract: postgres', { skip: db.skip }, () => undefined);
} else {
  runStoreContract('postgres', () => openPostgresDirectoryStore(db.freshSchemaUrl()));

  test('postgres: nodes starting at once migrate once; data survive a reopen; the schema is the one named', async () => {
    const url = db.freshSchemaUrl();
    const schema = new URL(url).searchParams.get('schema')!;
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresDirectoryStore(url)));
    const tenantId = randomUUID();
    await stores[0]!.transaction(async (tx) => {
      await tx.createTenant({ id: tenantId, displayName: 'T', createdDateTime: new Date().toISOString() });
      await tx.createUsers(tenantId, [{ userPrincipalName: 'kept@corp.test', onPremisesImmutableId: 'AAAA' }]);
      await tx.setWatermark(tenantId, 'job', 'w');
    });
    // Another node sees the commit at once.
    assert.equal((await stores[2]!.findUser(tenantId, { onPremisesImmutableId: 'AAAA' }))?.userPrincipalName, 'kept@corp.test');
    await Promise.all(stores.map((s) => s.close()));
    const again = await openPostgresDirectoryStore(url);
    assert.equal(await again.getWatermark(tenantId, 'job'), 'w');
    await again.close();
    const raw = new pg.Client({ connectionString: db.url });
    await raw.connect();
    try {
      const ids = await raw.query(`SELECT id FROM ${schema}.schema_migrations WHERE id LIKE 'directory-%' ORDER BY id`);
      assert.deepEqual(ids.rows.map((r) => r.id), DIRECTORY_POSTGRES_MIGRATIONS.map((m) => m.id));
      const tables = await raw.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'directory_%'");
      assert.equal(tables.rows[0].n, 0, 'nothing written outside the named schema');
    } finally {
      await raw.end();
    }
  });

  test('postgres: a conflict inside a transaction fails that call only; the transaction goes on and commits', async () => {
    const store = await openPostgresDirectoryStore(db.freshSchemaUrl());
    try {
      const tenantId = randomUUID();
      await store.transaction((tx) => tx.createTenant({ id: tenantId, displayName: 'T', createdDateTime: new Date().toISOString() }));
      await store.transaction(async (tx) => {
        await tx.createUsers(tenantId, [{ userPrincipalName: 'a@corp.test', onPremisesImmutableId: 'A' }]);
        await assert.rejects(tx.createUsers(tenantId, [{ userPrincipalName: 'b@corp.test', onPremisesImmutableId: 'A' }]), (e) => isCanopyError(e, 'ERR_DIRECTORY_CONFLICT'));
        await tx.createUsers(tenantId, [{ userPrincipalName: 'c@corp.test', onPremisesImmutableId: 'C' }]);
        await tx.setWatermark(tenantId, 'job', 'after-conflict');
      });
      assert.equal(await store.countUsers(tenantId), 2);
      assert.equal(await store.getWatermark(tenantId, 'job'), 'after-conflict');
    } finally {
      await store.close();
    }
  });

  test('postgres: a URL that is not postgres:// or names a bad schema is refused with the option named', async () => {
    await assert.rejects(openPostgresDirectoryStore('mysql://x/y'), (e) => isCanopyError(e, 'ERR_CONFIG_INVALID') && /--store: expected a postgres:\/\/ URL/.test(e.message));
    await assert.rejects(openPostgresDirectoryStore('postgres://127.0.0.1/x?schema=Robert%27);DROP'), (e) => isCanopyError(e, 'ERR_CONFIG_INVALID') && /schema/.test(e.message));
  });
}
