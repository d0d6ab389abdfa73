/**
 * Issue 12: "today one read token can stall every tenant". The store runs SQLite queries
 * synchronously; on the main thread one tenant's $count over its users with a wide
 * unindexed filter held the event loop, and every other tenant's requests (the relay's
 * heartbeats too) waited until it was over. Now such reads run on the store's read workers,
 * one queue per tenant: while a busy tenant's burst of expensive reads runs against a real
 * `canopy serve`, another tenant's requests keep being answered, its lists included. The
 * assertions count answers given while the burst runs; they do not measure time. The same
 * runs against Postgres (`--store`), which has no fair queue of its own: the query runs in the
 * server, and one tenant may hold fewer connections (8, the throttle) than the pool has (10).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSqliteDirectoryStore, directoryDatabasePath } from '../../src/directory/sqlite/store.ts';
import { openPostgresDirectoryStore } from '../../src/directory/postgres/store.ts';
import type { DirectoryStore } from '../../src/directory/store.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { createTenantWithAdmin, type TenantCredentials } from '../../src/api/auth/tenant-setup.ts';
import { seedUsers } from '../api/support/api-fixture.ts';
import { startHostileService, type HostileService } from './support/service.ts';

const BUSY_USERS = 20_000;
const BURST = 4;

async function tokenOf(url: string, credentials: { tenantId: string; clientId: string; clientSecret: string }): Promise<string> {
  const response = await fetch(`${url}/${credentials.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default', client_id: credentials.clientId, client_secret: credentials.clientSecret }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** 45 suffixes no user has: every row of the busy tenant is tried against each, twice ($count and the page). */
function expensiveUrl(base: string): string {
  const wide = Array.from({ length: 45 }, (_, i) => `endswith(mail,'@nowhere${i}.test')`).join(' or ');
  return `${base}/v1.0/users?$count=true&$top=999&$filter=${encodeURIComponent(wide)}`;
}

/** How a suite runs canopy serve: SQLite in the data folder, or a Postgres schema. */
interface Backend {
  readonly name: string;
  readonly args: readonly string[];
  open(dataDir: string): Promise<DirectoryStore>;
}

const postgres = await createTestDatabase();
const BACKENDS: readonly (Backend | { readonly name: string; readonly skip: string })[] = [
  { name: 'SQLite (read workers)', args: [], open: async (dataDir) => openSqliteDirectoryStore(directoryDatabasePath(dataDir)) },
  'skip' in postgres
    ? { name: 'Postgres', skip: postgres.skip }
    : ((url: string): Backend => ({ name: 'Postgres', args: ['--store', url], open: () => openPostgresDirectoryStore(url) }))(postgres.freshSchemaUrl()),
];

for (const backend of BACKENDS) describe(`one tenant hammering expensive reads, against canopy serve on ${backend.name}`, { skip: 'skip' in backend ? backend.skip : false }, () => {
  if ('skip' in backend) return;
  let service: HostileService;
  let quiet: TenantCredentials;
  before(async () => {
    // First start creates the busy tenant (bootstrap.json); then, stopped, the store gets a
    // second tenant and the busy tenant's users; the second start serves both.
    const first = await startHostileService({ args: [...backend.args] });
    const dataDir = first.dataDir;
    const busyTenant = first.bootstrap.tenantId;
    await first.stop(15_000, { keepData: true });
    const store = await backend.open(dataDir);
    try {
      quiet = await createTenantWithAdmin(store, { displayName: 'Quiet' });
      for (let from = 0; from < BUSY_USERS; from += 5_000) await seedUsers(store, busyTenant, 5_000, from);
    } finally {
      await store.close();
    }
    service = await startHostileService({ dataDir, args: [...backend.args] });
  });
  after(async () => {
    await service.stop();
    rmSync(dirname(service.dataDir), { recursive: true, force: true });
  });

  test('another tenant is answered again and again while a burst of expensive reads runs', async () => {
    const busyToken = await service.token();
    const quietToken = await tokenOf(service.url, quiet);
    // 45 suffixes no user has: every row of the busy tenant is tried against each, twice ($count and the page).
    const expensive = expensiveUrl(service.url);
    const burstStarted = Date.now();
    let burstOver = false;
    const burst = Promise.all(
      Array.from({ length: BURST }, async () => {
        const response = await fetch(expensive, { headers: { authorization: `Bearer ${busyToken}`, consistencylevel: 'eventual' } });
        const body = (await response.json()) as { '@odata.count'?: number };
        assert.equal(response.status, 200, JSON.stringify(body));
        assert.equal(body['@odata.count'], 0);
      }),
    ).finally(() => (burstOver = true));
    // Two loops of the quiet tenant, one request at a time each: the organization (read on
    // the main thread) and a page of its users (a list: on a read worker).
    const quietAnswers = { organization: 0, users: 0 };
    const quietLoop = async (path: 'organization' | 'users') => {
      while (!burstOver) {
        const response = await fetch(`${service.url}/v1.0/${path}?$top=1`, { headers: { authorization: `Bearer ${quietToken}` } });
        assert.equal(response.status, 200);
        await response.arrayBuffer();
        if (!burstOver) quietAnswers[path] += 1;
      }
    };
    await Promise.all([quietLoop('organization'), quietLoop('users')]);
    await burst;
    console.log(`# ${backend.name}: answers to the quiet tenant while the busy tenant's ${BURST} expensive reads ran (${Date.now() - burstStarted} ms): ${JSON.stringify(quietAnswers)}`);
    // On the main thread each expensive read blocked everything: the quiet tenant got an
    // answer only in the gaps between the burst's queries (a handful at most).
    assert.ok(quietAnswers.organization >= 30, JSON.stringify(quietAnswers));
    // Its lists ran on a worker between the busy tenant's reads, not after all of them.
    assert.ok(quietAnswers.users >= 1, JSON.stringify(quietAnswers));
  });

  test('SIGTERM while the read workers are busy: canopy serve exits cleanly, without waiting for the reads queued behind', async () => {
    const busyToken = await service.token();
    const expensive = expensiveUrl(service.url);
    // More reads than workers: some run, the rest wait in the busy tenant's queue.
    const reads = Array.from({ length: BURST * 2 }, () =>
      fetch(expensive, { headers: { authorization: `Bearer ${busyToken}`, consistencylevel: 'eventual' } }).then((r) => r.status, () => 'cut'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const exit = await service.stop(20_000);
    const tookMs = Date.now() - started;
    console.log(`# SIGTERM with ${BURST * 2} expensive reads in flight: exit ${JSON.stringify(exit)} after ${tookMs} ms; reads: ${JSON.stringify(await Promise.all(reads))}`);
    // 0: service.close() finished (workers terminated, store closed), not the SIGKILL after 20 s.
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(tookMs < 10_000, `${tookMs} ms`);
  });
});
