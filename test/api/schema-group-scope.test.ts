/**
 * groupFilter scoping against the Samba DC, configured with the Graph SDK (issue 9: "the
 * rule's … groupFilter.includedGroups (members of the groups, with a documented choice for
 * nested groups)"). A per-run OU holds Ann, Bob, Cleo and Dan, the group Pilot (Ann, Bob and
 * the group Nested) and Nested (Cleo). Scoped to Pilot: Ann, Bob, Pilot and Nested sync,
 * Cleo does not (first level only, as cloud sync). Then in AD Bob leaves Pilot and Dan joins
 * it — only the group changes — and the next (delta) cycle deletes Bob through the delete
 * path, logged with the scoping step's reason, and creates Dan. A PUT naming both an OU and
 * a group is refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { Attribute, Change, type Client } from 'ldapts';
import { AdReader } from '../../src/ad/reader.ts';
import type { AdObjectClass } from '../../src/core/ad-object.ts';
import { createScimHandler } from '../../src/agent/scim-service.ts';
import { buildApiApp } from '../../src/api/app.ts';
import { loadOrCreateSigningKey } from '../../src/api/auth/keys.ts';
import { createTenantWithAdmin, type TenantCredentials } from '../../src/api/auth/tenant-setup.ts';
import { createTokenSigner } from '../../src/api/auth/verify.ts';
import { directoryDatabasePath, openSqliteDirectoryStore } from '../../src/directory/sqlite/store.ts';
import type { DirectoryStore } from '../../src/directory/store.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import { cycleJobOf } from '../../src/engine/engine.ts';
import type { SyncStore } from '../../src/engine/ports.ts';
import { createScimChangeSource } from '../../src/engine/scim-change-source.ts';
import { createSqliteSyncStore } from '../../src/engine/sqlite/sync-store.ts';
import { adminClient } from '../ad/helpers.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { makeTestCertificates } from './support/test-ca.ts';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'support/schema-script.ts');

describe('groupFilter scoping through the Graph SDK, against the Samba DC', { skip: skipReason() }, () => {
  const tag = randomBytes(3).toString('hex');
  let dir: string;
  let store: DirectoryStore;
  let syncStore: SyncStore;
  let reader: AdReader;
  let ldap: Client;
  let app: FastifyInstance;
  let tenant: TenantCredentials;
  let ou: string;
  let pilot: string;
  let sdkEnv: NodeJS.ProcessEnv;
  let source: ReturnType<typeof createScimChangeSource>;

  const sdk = async (step: string, extra: NodeJS.ProcessEnv = {}) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', SCRIPT, step], { env: { ...sdkEnv, ...extra }, timeout: 120_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  };

  before(async () => {
    const env = adEnv();
    dir = mkdtempSync(join(tmpdir(), 'canopy-group-scope-'));
    const certs = makeTestCertificates(dir);
    store = openSqliteDirectoryStore(directoryDatabasePath(dir));
    syncStore = createSqliteSyncStore(store);
    tenant = await createTenantWithAdmin(store, { displayName: 'Group scope' });
    ldap = await adminClient();
    ou = `OU=group-scope-${tag},${env.baseDn}`;
    pilot = `CN=Pilot,${ou}`;
    await ldap.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    for (const cn of ['Ann', 'Bob', 'Cleo', 'Dan']) {
      await ldap.add(`CN=${cn},${ou}`, {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: `${cn.toLowerCase()}-${tag}`,
        userPrincipalName: `${cn.toLowerCase()}-${tag}@${env.domain}`, givenName: cn, displayName: cn,
      });
    }
    await ldap.add(`CN=Nested,${ou}`, { objectClass: ['top', 'group'], sAMAccountName: `nested-${tag}`, member: [`CN=Cleo,${ou}`] });
    await ldap.add(pilot, { objectClass: ['top', 'group'], sAMAccountName: `pilot-${tag}`, member: [`CN=Ann,${ou}`, `CN=Bob,${ou}`, `CN=Nested,${ou}`] });
    reader = await AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn, scopeDns: [ou] });
    const handler = createScimHandler({
      source: {
        search: (options) => reader.search({ ...options, classes: options.classes ? ([...options.classes] as AdObjectClass[]) : undefined }),
        readObject: (key) => reader.readObject(key),
        readChanges: (watermark) => reader.readChanges(watermark),
      },
    });
    source = createScimChangeSource(async (_tenant, request) => handler(request));
    app = buildApiApp({ store, auth: createTokenSigner(await loadOrCreateSigningKey(dir)), fastify: { https: { key: certs.key, cert: certs.cert } } as never });
    const apiUrl = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('https://127.0.0.1', 'https://localhost');
    sdkEnv = {
      ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile, CANOPY_API_URL: apiUrl, CANOPY_TENANT_ID: tenant.tenantId,
      CANOPY_CLIENT_ID: tenant.clientId, CANOPY_CLIENT_SECRET: tenant.clientSecret, CANOPY_DOMAIN: env.domain, CANOPY_OU: ou, CANOPY_GROUP: pilot,
    };
  });
  after(async () => {
    if (ldap) {
      const { searchEntries } = await ldap.search(ou, { scope: 'sub', attributes: ['1.1'] }).catch(() => ({ searchEntries: [] as { dn: string }[] }));
      for (const entry of searchEntries.sort((a, b) => b.dn.length - a.dn.length)) await ldap.del(entry.dn).catch(() => undefined);
      await ldap.unbind().catch(() => undefined);
    }
    await app?.close();
    await reader?.close();
    await syncStore?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the group and its direct members sync; a member leaving is deleted and logged, one joining is created', async () => {
    const setup = await sdk('group-setup');
    assert.equal(setup.refused.statusCode, 400);
    assert.match(setup.refused.message, /mutually exclusive/);
    assert.deepEqual(setup.groupFilter.includedGroups, [pilot]);
    const cycle = async () => runCycle({ job: cycleJobOf((await store.getSynchronizationJob(tenant.tenantId, setup.jobId))!), source, store: syncStore });

    const first = await cycle();
    assert.equal(first.execution.countEscrowed, 0);
    assert.deepEqual((await sdk('read')).users.map((u: { displayName: string }) => u.displayName).sort(), ['Ann', 'Bob'], 'Cleo, a member of the nested group only, is not included');
    assert.deepEqual((await sdk('groups')).groups, { Nested: [], Pilot: ['Ann', 'Bob', 'Nested'] });

    await ldap.modify(pilot, [
      new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [`CN=Bob,${ou}`] }) }),
      new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`CN=Dan,${ou}`] }) }),
    ]);
    const second = await cycle();
    assert.equal(second.mode, 'delta');
    assert.equal(second.execution.countEscrowed, 0);
    assert.deepEqual((await sdk('read')).users.map((u: { displayName: string }) => u.displayName).sort(), ['Ann', 'Dan']);
    assert.deepEqual((await sdk('groups')).groups, { Nested: [], Pilot: ['Ann', 'Dan', 'Nested'] });
    const deleted = await store.listUsers(tenant.tenantId, { limit: 10, deleted: true });
    assert.deepEqual(deleted.items.map((u) => u.onPremisesDistinguishedName), [`CN=Bob,${ou}`], 'Bob is in deleted items');
    const logs = await store.listProvisioningLogs(tenant.tenantId, { limit: 50, cycleId: second.cycleId });
    const bob = logs.items.find((l) => l.provisioningAction === 'delete');
    assert.ok(bob, 'the delete is logged');
    assert.match(bob.provisioningSteps.find((s) => s.provisioningStepType === 'scoping')!.description, /neither an included group nor a direct member/);
    assert.ok(logs.items.some((l) => l.provisioningAction === 'create' && l.targetIdentity.displayName === 'Dan'), 'Dan\'s create is logged');
  });
});
