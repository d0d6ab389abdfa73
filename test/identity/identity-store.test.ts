/**
 * The identity store's contract, run against SQLite and Postgres alike: oidc-provider's
 * records per tenant (expiry, lookup by uid, consumption, revocation by grant), accounts
 * (unique user names without regard to case, password changes) and the cookie keys.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/directory/sqlite/open-database.ts';
import { openPostgresDirectoryStore } from '../../src/directory/postgres/store.ts';
import type { IdentityStore } from '../../src/identity/identity-store.ts';
import { oidcAdapterFor } from '../../src/identity/oidc-adapter.ts';
import { PostgresIdentityStore } from '../../src/identity/postgres-identity-store.ts';
import { SqliteIdentityStore } from '../../src/identity/sqlite-identity-store.ts';
import { createTestDatabase } from '../support/postgres.ts';

const database = await createTestDatabase();

function contract(open: () => Promise<{ store: IdentityStore; close(): Promise<void> }>) {
  let store: IdentityStore;
  let close: () => Promise<void>;
  const A = 'tenant-a';
  const B = 'tenant-b';

  test('open', async () => {
    ({ store, close } = await open());
  });

  test("a record is found by id and uid in its own tenant only, and not after it expires", async () => {
    const sessions = new (oidcAdapterFor(store, A))('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'acc' }, 60);
    assert.deepEqual(await sessions.find('s1'), { uid: 'u1', accountId: 'acc' });
    assert.deepEqual(await sessions.findByUid('u1'), { uid: 'u1', accountId: 'acc' });
    assert.equal(await new (oidcAdapterFor(store, B))('Session').find('s1'), undefined);
    await sessions.upsert('s2', { uid: 'u2' }, -1);
    assert.equal(await sessions.find('s2'), undefined);
    await sessions.destroy('s1');
    assert.equal(await sessions.find('s1'), undefined);
  });

  test('consume marks the record; revokeByGrantId removes every record of the grant', async () => {
    const codes = new (oidcAdapterFor(store, A))('AuthorizationCode');
    const tokens = new (oidcAdapterFor(store, A))('RefreshToken');
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    await tokens.upsert('r1', { grantId: 'g1' }, 60);
    await tokens.upsert('r2', { grantId: 'g2' }, 60);
    await codes.consume('c1');
    assert.equal(typeof (await codes.find('c1'))!.consumed, 'number');
    await tokens.revokeByGrantId('g1');
    assert.equal(await codes.find('c1'), undefined);
    assert.equal(await tokens.find('r1'), undefined);
    assert.deepEqual(await tokens.find('r2'), { grantId: 'g2' });
  });

  test('accounts: user names are unique per tenant without regard to case; passwords change', async () => {
    const account = { tenantId: A, id: 'id-1', userName: 'Admin', displayName: 'Admin', passwordHash: 'h1', mustChangePassword: true, roles: ['Global Administrator'], createdDateTime: new Date().toISOString() };
    await store.createAccount(account);
    await assert.rejects(store.createAccount({ ...account, id: 'id-2', userName: 'ADMIN' }));
    await store.createAccount({ ...account, tenantId: B });
    assert.equal((await store.findAccountByUserName(A, 'admin'))!.id, 'id-1');
    assert.equal(await store.countAccounts(A), 1);
    await store.setPassword(A, 'id-1', 'h2', false);
    const changed = (await store.getAccount(A, 'id-1'))!;
    assert.equal(changed.passwordHash, 'h2');
    assert.equal(changed.mustChangePassword, false);
    assert.deepEqual(changed.roles, ['Global Administrator']);
    assert.equal((await store.getAccount(B, 'id-1'))!.passwordHash, 'h1');
  });

  test('cookie keys are made once and kept', async () => {
    const first = await store.cookieKeys();
    assert.equal(first.length, 1);
    assert.deepEqual(await store.cookieKeys(), first);
  });

  test('close', async () => {
    await close();
  });
}

describe('identity store on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-identity-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  contract(async () => {
    const db = openDatabase(join(dir, 'canopy.db'));
    return { store: new SqliteIdentityStore(db), close: async () => void db.close() };
  });
});

describe('identity store on Postgres', { skip: 'skip' in database ? database.skip : undefined }, () => {
  contract(async () => {
    const directory = await openPostgresDirectoryStore((database as { freshSchemaUrl(): string }).freshSchemaUrl());
    return { store: await PostgresIdentityStore.open(directory.pool), close: () => directory.close() };
  });
});
