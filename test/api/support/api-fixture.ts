/**
 * A real API over a real SQLite file in a temp folder: two tenants (A and B) with admin
 * credentials, seeded through the store interface the way the engine will write synced
 * objects.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { openSqliteDirectoryStore, directoryDatabasePath } from '../../../src/directory/sqlite/store.ts';
import { DEFAULT_READ_WORKERS } from '../../../src/directory/sqlite/read-pool.ts';
import type { DirectoryStore } from '../../../src/directory/store.ts';
import type { NewUser } from '../../../src/directory/types.ts';
import { loadOrCreateSigningKey } from '../../../src/api/auth/keys.ts';
import { createTokenSigner, type TokenSigner } from '../../../src/api/auth/verify.ts';
import { createTenantWithAdmin, type TenantCredentials } from '../../../src/api/auth/tenant-setup.ts';
import { buildApiApp } from '../../../src/api/app.ts';

export interface ApiFixture {
  readonly dir: string;
  readonly store: DirectoryStore;
  readonly signer: TokenSigner;
  readonly app: FastifyInstance;
  readonly a: TenantCredentials;
  readonly b: TenantCredentials;
  close(): Promise<void>;
}

export async function startApiFixture(fastify?: FastifyServerOptions): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-api-'));
  // As `canopy serve` opens it: lists and counts cross to read worker threads (read-pool.ts),
  // so every Graph read test also checks what crosses the thread boundary, errors included,
  // and that a read right after a write sees it.
  const store = openSqliteDirectoryStore(directoryDatabasePath(dir), { readWorkers: DEFAULT_READ_WORKERS });
  const signer = createTokenSigner(await loadOrCreateSigningKey(dir));
  const a = await createTenantWithAdmin(store, { displayName: 'Tenant A' });
  const b = await createTenantWithAdmin(store, { displayName: 'Tenant B' });
  const app = buildApiApp({ store, auth: signer, fastify });
  await app.ready();
  return {
    dir, store, signer, app, a, b,
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function tokenFor(app: FastifyInstance, credentials: TenantCredentials): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: `/${credentials.tenantId}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
  });
  if (response.statusCode !== 200) throw new Error(`token request failed: ${response.body}`);
  return response.json<{ access_token: string }>().access_token;
}

/** A user as the engine writes a synced one. */
export function syncedUser(n: number, extra: Partial<NewUser> = {}): NewUser {
  const name = `user${String(n).padStart(4, '0')}`;
  return {
    userPrincipalName: `${name}@corp.test`,
    displayName: `User ${String(n).padStart(4, '0')}`,
    givenName: 'User',
    surname: String(n),
    mail: `${name}@corp.test`,
    mailNickname: name,
    proxyAddresses: [`SMTP:${name}@corp.test`],
    department: n % 2 === 0 ? 'Sales' : 'Engineering',
    employeeId: `E${n}`,
    accountEnabled: n % 5 !== 0,
    onPremisesImmutableId: Buffer.from(`guid-${n}`).toString('base64'),
    onPremisesSyncEnabled: true,
    onPremisesDistinguishedName: `CN=${name},OU=People,DC=corp,DC=test`,
    onPremisesSamAccountName: name,
    onPremisesSecurityIdentifier: `S-1-5-21-1-2-3-${1000 + n}`,
    onPremisesDomainName: 'corp.test',
    onPremisesUserPrincipalName: `${name}@corp.test`,
    onPremisesLastSyncDateTime: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

export async function seedUsers(store: DirectoryStore, tenantId: string, count: number, from = 0) {
  return store.transaction((tx) => tx.createUsers(tenantId, Array.from({ length: count }, (_, i) => syncedUser(from + i))));
}
