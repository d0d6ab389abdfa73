/** The store contract against real SQLite files, plus what only the SQLite adapter promises. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { openSqliteDirectoryStore, directoryDatabasePath } from '../../src/directory/sqlite/store.ts';
import { runStoreContract } from './store-contract.ts';

const root = mkdtempSync(join(tmpdir(), 'canopy-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

runStoreContract('sqlite', async () => openSqliteDirectoryStore(directoryDatabasePath(join(root, randomUUID()))));

test('sqlite: the data folder holds canopy.db in WAL mode with the directory migrations, and data survive a reopen', async () => {
  const dir = join(root, 'reopen');
  const path = directoryDatabasePath(dir);
  assert.equal(path, join(dir, 'canopy.db'));
  const tenantId = randomUUID();
  const first = openSqliteDirectoryStore(path);
  await first.transaction(async (tx) => {
    await tx.createTenant({ id: tenantId, displayName: 'T', createdDateTime: new Date().toISOString() });
    await tx.createUsers(tenantId, [{ userPrincipalName: 'kept@corp.test', onPremisesImmutableId: 'AAAA' }]);
    await tx.setWatermark(tenantId, 'job', 'w');
  });
  await first.close();
  const second = openSqliteDirectoryStore(path);
  assert.equal((await second.findUser(tenantId, { onPremisesImmutableId: 'AAAA' }))?.userPrincipalName, 'kept@corp.test');
  assert.equal(await second.getWatermark(tenantId, 'job'), 'w');
  await second.close();
  const raw = new Database(path, { readonly: true });
  try {
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    const ids = raw.prepare("SELECT id FROM schema_migrations WHERE id LIKE 'directory-%'").pluck().all();
    assert.deepEqual(ids, ['directory-001-init', 'directory-002-upn-lookup-index']);
  } finally {
    raw.close();
  }
});

test('sqlite: an in-memory database is refused (the reader and writer share a file)', () => {
  assert.throws(() => openSqliteDirectoryStore(':memory:'), TypeError);
});
