/** The store contract against real SQLite files, plus what only the SQLite adapter promises. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSecretBox } from '../../src/directory/secret-box.ts';
import Database from 'better-sqlite3';
import { openSqliteDirectoryStore, directoryDatabasePath, sqliteWriterOf } from '../../src/directory/sqlite/store.ts';
import { cachedStatementCount } from '../../src/directory/sqlite/sql.ts';
import { CACHE_BOUNDS } from '../../src/core/cache-bounds.ts';
import { DIRECTORY_MIGRATIONS } from '../../src/directory/sqlite/migrations.ts';
import { openDatabase, runMigrations } from '../../src/directory/sqlite/open-database.ts';
import { runStoreContract } from './store-contract.ts';

const root = mkdtempSync(join(tmpdir(), 'canopy-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

runStoreContract('sqlite', async () => openSqliteDirectoryStore(directoryDatabasePath(join(root, randomUUID()))));
// As `canopy serve` opens it: lists and counts on read workers (read-pool.ts).
runStoreContract('sqlite with read workers', async () => openSqliteDirectoryStore(directoryDatabasePath(join(root, randomUUID())), { readWorkers: 2 }));

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
    assert.deepEqual(ids, ['directory-001-init', 'directory-002-upn-lookup-index', 'directory-003-configurations-and-sync-flag', 'directory-004-manager-index', 'directory-005-user-directory-extensions', 'directory-006-user-password-hashes', 'directory-007-user-extension-attributes', 'directory-008-orderby-indexes']);
  } finally {
    raw.close();
  }
});

test('sqlite: an in-memory database is refused (the reader and writer share a file)', () => {
  assert.throws(() => openSqliteDirectoryStore(':memory:'), TypeError);
});

test('sqlite: a data folder from before configurations keeps working: its tenant with jobs reads onPremisesSyncEnabled true, its service principal stays', async () => {
  const path = directoryDatabasePath(join(root, 'before-003'));
  const old = openDatabase(path);
  runMigrations(old, DIRECTORY_MIGRATIONS.slice(0, 2));
  const now = new Date().toISOString();
  old.prepare('INSERT INTO directory_tenants (id, display_name, created_date_time) VALUES (?, ?, ?)').run('t-sync', 'Syncing', now);
  old.prepare('INSERT INTO directory_tenants (id, display_name, created_date_time) VALUES (?, ?, ?)').run('t-idle', 'Idle', now);
  old.prepare(`INSERT INTO directory_service_principals (tenant_id, id, app_id, display_name, app_display_name, service_principal_names, created_date_time)
    VALUES ('t-sync', 'sp', '1a4721b3-e57f-4451-ae87-ef078703ec94', 'Sync', 'Sync', '[]', ?)`).run(now);
  old.prepare(`INSERT INTO directory_sync_jobs (tenant_id, id, template_id, service_principal_id, schedule, status, settings, schema_json, created_date_time)
    VALUES ('t-sync', 'AD2AADProvisioning.1', 'AD2AADProvisioning', 'sp', '{}', '{}', '[]', NULL, ?)`).run(now);
  old.close();
  const store = openSqliteDirectoryStore(path);
  try {
    assert.equal((await store.getTenant('t-sync'))?.onPremisesSyncEnabled, true);
    assert.equal((await store.getTenant('t-idle'))?.onPremisesSyncEnabled, null);
    assert.equal((await store.getServicePrincipal('t-sync', 'sp'))?.applicationTemplateId, null);
    assert.equal((await store.listSynchronizationJobs('t-sync')).length, 1);
  } finally {
    await store.close();
  }
});

test('sqlite: prepared statements are cached per connection up to CACHE_BOUNDS.sqliteStatements, least recently used evicted', async () => {
  const path = directoryDatabasePath(join(root, 'statements'));
  const store = openSqliteDirectoryStore(path);
  const tenantId = randomUUID();
  await store.transaction(async (tx) => {
    await tx.createTenant({ id: tenantId, displayName: 'T', createdDateTime: new Date().toISOString() });
    await tx.createUsers(tenantId, [{ userPrincipalName: 'one@corp.test', onPremisesImmutableId: 'AAAA', displayName: 'One' }]);
  });
  // Each filter below is a distinct statement text: 1..n 'or' terms.
  const shape = (n: number) => ({ op: 'or' as const, operands: Array.from({ length: n }, (_, i) => ({ op: 'eq' as const, property: 'displayName', value: `x${i}` })) });
  // Read inside a transaction: on the writer connection, whose cache the test can see.
  await store.transaction(async (tx) => {
    for (let n = 1; n <= CACHE_BOUNDS.sqliteStatements * 3; n += 1) await tx.listUsers(tenantId, { limit: 1, filter: shape(n) });
  });
  assert.equal(cachedStatementCount(sqliteWriterOf(store)!), CACHE_BOUNDS.sqliteStatements);
  // Still answering right after evictions, an evicted shape included.
  const again = await store.transaction((tx) => tx.listUsers(tenantId, { limit: 5, filter: { op: 'or', operands: [...shape(1).operands, { op: 'eq', property: 'displayName', value: 'One' }] } }));
  assert.equal(again.items.length, 1);
  await store.close();
});

test('sqlite: a rotated sync secrets key (the old one as previous) seals every row again with the new key at open', async () => {
  const path = directoryDatabasePath(join(root, 'rotation'));
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const tenantId = randomUUID();
  const first = openSqliteDirectoryStore(path, { secretBox: createSecretBox(oldKey) });
  await first.transaction(async (tx) => {
    await tx.createTenant({ id: tenantId, displayName: 'T', createdDateTime: new Date().toISOString() });
    await tx.putSynchronizationSecrets(tenantId, 'sp', [{ key: 'Password', value: 'rotate-me' }]);
  });
  await first.close();
  // The new key alone does not open what the old one sealed.
  const wrong = openSqliteDirectoryStore(path, { secretBox: createSecretBox(newKey) });
  await assert.rejects(wrong.getSynchronizationSecrets(tenantId, 'sp'), /CANOPY_SECRETS_PREVIOUS_KEY_FILE/);
  await wrong.close();
  await openSqliteDirectoryStore(path, { secretBox: createSecretBox(newKey, [oldKey]) }).close();
  const rotated = openSqliteDirectoryStore(path, { secretBox: createSecretBox(newKey) });
  assert.deepEqual(await rotated.getSynchronizationSecrets(tenantId, 'sp'), [{ key: 'Password', value: 'rotate-me' }]);
  await rotated.close();
});
