/** The store contract against a real Postgres, plus what only the Postgres adapter promises. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { isCanopyError } from '../../src/core/errors.ts';
import { createSecretBox } from '../../src/directory/secret-box.ts';
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

  test('postgres: sync secrets are sealed at rest with the key, plain rows of an older version are sealed at open, a node with another key is refused, a rotated key seals again', async () => {
    const url = db.freshSchemaUrl();
    const schema = new URL(url).searchParams.get('schema')!;
    const oldKey = randomBytes(32);
    const box = createSecretBox(oldKey);
    const tenantId = randomUUID();
    // Written by a store without a box, as Postgres stored them before: plain text.
    const old = await openPostgresDirectoryStore(url);
    await old.transaction(async (tx) => {
      await tx.createTenant({ id: tenantId, displayName: 'T', createdDateTime: new Date().toISOString() });
      await tx.putSynchronizationSecrets(tenantId, 'sp-old', [{ key: 'Password', value: 'plain-before' }]);
    });
    await old.close();
    const raw = new pg.Client({ connectionString: db.url });
    await raw.connect();
    const stored = async () => Object.fromEntries((await raw.query(`SELECT service_principal_id, value FROM ${schema}.directory_sync_secrets`)).rows.map((r) => [r.service_principal_id, r.value as string]));
    try {
      const store = await openPostgresDirectoryStore(url, { secretBox: box });
      try {
        await store.transaction((tx) => tx.putSynchronizationSecrets(tenantId, 'sp-new', [{ key: 'Password', value: 'Sup3r-secret' }]));
        const rows = await stored();
        assert.match(rows['sp-old']!, /^canopy-secret-v1:/, 'sealed at open');
        assert.match(rows['sp-new']!, /^canopy-secret-v1:/);
        assert.ok(!JSON.stringify(rows).includes('Sup3r-secret') && !JSON.stringify(rows).includes('plain-before'));
        assert.deepEqual(await store.getSynchronizationSecrets(tenantId, 'sp-new'), [{ key: 'Password', value: 'Sup3r-secret' }]);
        assert.deepEqual(await store.getSynchronizationSecrets(tenantId, 'sp-old'), [{ key: 'Password', value: 'plain-before' }]);
      } finally {
        await store.close();
      }
      // A sealed value moved to another row does not open (bound to its row).
      await raw.query(`UPDATE ${schema}.directory_sync_secrets SET value = $1 WHERE service_principal_id = 'sp-new'`, [(await stored())['sp-old']]);
      const moved = await openPostgresDirectoryStore(url, { secretBox: box });
      await assert.rejects(moved.getSynchronizationSecrets(tenantId, 'sp-new'), (e) => isCanopyError(e, 'ERR_CONFIG_INVALID'));
      await moved.close();
      // Another node started with a different key is refused at open, naming the cause.
      await assert.rejects(openPostgresDirectoryStore(url, { secretBox: createSecretBox(randomBytes(32)) }), (e) =>
        isCanopyError(e, 'ERR_CONFIG_INVALID') && /every node of an installation needs the same key/.test(e.message));
      // Rotation: a new key with the old one as previous seals every row again with the new key.
      const newKey = randomBytes(32);
      const rotating = await openPostgresDirectoryStore(url, { secretBox: createSecretBox(newKey, [oldKey]) });
      await rotating.close();
      const rotated = await openPostgresDirectoryStore(url, { secretBox: createSecretBox(newKey) });
      try {
        assert.deepEqual(await rotated.getSynchronizationSecrets(tenantId, 'sp-old'), [{ key: 'Password', value: 'plain-before' }]);
      } finally {
        await rotated.close();
      }
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
