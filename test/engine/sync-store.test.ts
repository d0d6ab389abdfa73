/** The SyncStore contract on both backends: SQLite files and a real Postgres. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DirectoryStore } from '../../src/directory/store.ts';
import { openSqliteDirectoryStore, directoryDatabasePath } from '../../src/directory/sqlite/store.ts';
import { openPostgresDirectoryStore } from '../../src/directory/postgres/store.ts';
import { createSqliteSyncStore } from '../../src/engine/sqlite/sync-store.ts';
import { createPostgresSyncStore } from '../../src/engine/postgres/sync-store.ts';
import type { SyncStore } from '../../src/engine/ports.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { runSyncStoreContract, type SyncStoreUnderTest } from './sync-store-contract.ts';

async function withTenant(directory: DirectoryStore, store: SyncStore): Promise<SyncStoreUnderTest> {
  const tenantId = randomUUID();
  await directory.transaction((tx) => tx.createTenant({ id: tenantId, displayName: 'T', createdDateTime: new Date().toISOString() }));
  return { store, tenantId, close: async () => { await store.close(); await directory.close(); } };
}

const root = mkdtempSync(join(tmpdir(), 'canopy-sync-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

runSyncStoreContract('sqlite', async () => {
  const directory = openSqliteDirectoryStore(directoryDatabasePath(join(root, randomUUID())));
  return withTenant(directory, createSqliteSyncStore(directory));
});

const db = await createTestDatabase();
if ('skip' in db) {
  test('SyncStore contract: postgres', { skip: db.skip }, () => undefined);
} else {
  runSyncStoreContract('postgres', async () => {
    const directory = await openPostgresDirectoryStore(db.freshSchemaUrl());
    return withTenant(directory, await createPostgresSyncStore(directory));
  });
}

test('postgres: every SQLite engine migration has its Postgres step, in the same order', async () => {
  const { ENGINE_MIGRATIONS } = await import('../../src/engine/sqlite/migrations.ts');
  const { ENGINE_POSTGRES_MIGRATIONS } = await import('../../src/engine/postgres/migrations.ts');
  assert.deepEqual(ENGINE_POSTGRES_MIGRATIONS.map((m) => m.id), ENGINE_MIGRATIONS.map((m) => m.id));
});
