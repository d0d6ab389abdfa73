/**
 * POST …/jobs/{id}/provisionOnDemand over real parts: the Samba DC's fixture forest read by
 * the AD reader and served by the agent's SCIM service, the engine over a real SQLite file,
 * the API over HTTPS with a test CA, driven by Microsoft's Graph SDK in a child process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
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
import { cycleJobOf, SyncEngine } from '../../src/engine/engine.ts';
import type { SyncStore } from '../../src/engine/ports.ts';
import { createScimChangeSource } from '../../src/engine/scim-change-source.ts';
import { createSqliteSyncStore } from '../../src/engine/sqlite/sync-store.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { inScopeObjects, loadFixture, type FixtureDescription, type FixtureObject } from '../support/fixture.ts';
import { makeTestCertificates } from './support/test-ca.ts';

const run = promisify(execFile);

interface Step { name: string; type: string; status: string; description: string; timestamp: string; details: Record<string, unknown> }
interface Record_ { provisioningSteps: Step[]; modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[]; action: string; targetIdentity: { id: string | null }; statusInfo: { status: string } }
const parsed = (pair: { key: string; value: string }) => ({ key: JSON.parse(pair.key) as { result: string; details: Record<string, unknown> }, value: JSON.parse(pair.value) as Record_ });

describe('provisionOnDemand (Graph SDK → API → engine → agent SCIM → Samba DC)', { skip: skipReason() }, () => {
  let dir: string;
  let store: DirectoryStore;
  let syncStore: SyncStore;
  let reader: AdReader;
  let app: FastifyInstance;
  let tenant: TenantCredentials;
  let fixture: FixtureDescription;
  let caFile: string;
  let apiUrl: string;
  let source: ReturnType<typeof createScimChangeSource>;

  before(async () => {
    fixture = loadFixture();
    const env = adEnv();
    dir = mkdtempSync(join(tmpdir(), 'canopy-on-demand-'));
    const certs = makeTestCertificates(dir);
    caFile = certs.caFile;
    store = openSqliteDirectoryStore(directoryDatabasePath(dir));
    syncStore = createSqliteSyncStore(store);
    tenant = await createTenantWithAdmin(store, { displayName: 'On demand' });
    reader = await AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn, scopeDns: [fixture.rootDn] });
    const handler = createScimHandler({
      source: {
        search: (options) => reader.search({ ...options, classes: options.classes ? ([...options.classes] as AdObjectClass[]) : undefined }),
        readObject: (key) => reader.readObject(key),
        readChanges: (watermark) => reader.readChanges(watermark),
      },
    });
    source = createScimChangeSource(async (_tenant, request) => handler(request));
    const engine = new SyncEngine({ store: syncStore, source });
    app = buildApiApp({
      store,
      auth: createTokenSigner(await loadOrCreateSigningKey(dir)),
      provisionOnDemand: (tenantId, jobId, subject) => engine.provisionOnDemand(tenantId, jobId, subject),
      fastify: { https: { key: certs.key, cert: certs.cert } } as never,
    });
    apiUrl = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('https://127.0.0.1', 'https://localhost');
  });
  after(async () => {
    await app?.close();
    await reader?.close();
    await syncStore?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('one user and one group by DN: the steps, the objects in the directory, a redundant second call, 404 and 429', async () => {
    const inScope = inScopeObjects(fixture);
    const user = inScope.find((o) => o.kind === 'user' && o.attributes.userPrincipalName?.[0] && o.attributes.mail?.[0] && !o.attributes.manager) as FixtureObject;
    const group = inScope.find((o) => o.kind === 'group' && (o.attributes.member ?? []).length > 0) as FixtureObject;
    // A group with two user members in scope, the user above not among its members.
    const users = new Set(inScope.filter((o) => o.kind === 'user').map((o) => o.dn.toLowerCase()));
    const linkGroup = inScope.find((o) => o.kind === 'group' && !(o.attributes.member ?? []).some((m) => m.toLowerCase() === user.dn.toLowerCase())
      && (o.attributes.member ?? []).filter((m) => users.has(m.toLowerCase())).length >= 3) as FixtureObject;
    const linkMembers = linkGroup.attributes.member!.filter((m) => users.has(m.toLowerCase())).slice(0, 2);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/on-demand-script.ts')], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: caFile,
        CANOPY_API_URL: apiUrl,
        CANOPY_TENANT_ID: tenant.tenantId,
        CANOPY_CLIENT_ID: tenant.clientId,
        CANOPY_CLIENT_SECRET: tenant.clientSecret,
        CANOPY_DOMAIN: adEnv().domain,
        CANOPY_USER_DN: user.dn,
        CANOPY_USER_SAM: user.attributes.sAMAccountName![0]!,
        CANOPY_GROUP_DN: group.dn,
        CANOPY_ROOT_DN: fixture.rootDn,
        CANOPY_LINK_GROUP_DN: linkGroup.dn,
        CANOPY_LINK_MEMBERS: JSON.stringify(linkMembers),
      },
      timeout: 120_000,
    });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!);

    const created = parsed(seen.created);
    assert.deepEqual(created.key, { result: 'Success', details: {} });
    // The cycle's steps; the user's (empty) manager reference is resolved after the export.
    assert.deepEqual(created.value.provisioningSteps.map((s) => s.type), ['Import', 'Scoping', 'Matching', 'Processing', 'Export', 'ReferenceResolution']);
    assert.ok(created.value.provisioningSteps.every((s) => s.status === 'Success' && !Number.isNaN(Date.parse(s.timestamp))));
    assert.equal(created.value.provisioningSteps[0]!.details.distinguishedName, user.dn);
    assert.equal(created.value.action, 'Create');
    const upn = created.value.modifiedProperties.find((p) => p.displayName === 'userPrincipalName');
    assert.deepEqual(upn, { displayName: 'userPrincipalName', oldValue: null, newValue: user.attributes.userPrincipalName![0] });

    assert.equal(seen.users.length, 1, 'the user is in the directory');
    const cloudUser = seen.users[0] as { id: string; userPrincipalName: string; mail: string; onPremisesSyncEnabled: boolean };
    assert.equal(cloudUser.id, created.value.targetIdentity.id);
    assert.equal(cloudUser.userPrincipalName, user.attributes.userPrincipalName![0]);
    assert.equal(cloudUser.mail, user.attributes.mail![0]);
    assert.equal(cloudUser.onPremisesSyncEnabled, true);

    const again = parsed(seen.again);
    assert.equal(again.key.result, 'Skipped');
    assert.equal(again.key.details.errorCode, 'RedundantExport');
    assert.equal(again.value.action, 'Other');
    assert.equal(again.value.targetIdentity.id, cloudUser.id);

    const groupResult = parsed(seen.group);
    assert.equal(groupResult.key.result, 'Success');
    assert.equal(groupResult.value.action, 'Create');
    const cloudGroup = await store.getGroup(tenant.tenantId, groupResult.value.targetIdentity.id!);
    assert.equal(cloudGroup?.onPremisesDistinguishedName, group.dn);

    assert.equal(seen.unknown.statusCode, 404);
    assert.equal(seen.unknown.code, 'Request_ResourceNotFound');
    assert.match(seen.unknown.message, /CN=Nobody Here/);

    const statuses = (seen.burst as { statusCode: number; retryAfter: string | null }[]).map((b) => b.statusCode).sort();
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429], 'five requests per ten seconds, the sixth refused');
    const refused = seen.burst.find((b: { statusCode: number }) => b.statusCode === 429) as { code: string; retryAfter: string };
    assert.equal(refused.code, 'TooManyRequests');
    assert.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 10, `Retry-After ${refused.retryAfter}`);

    // Logged like a cycle's objects; the watermark was not touched.
    const logs = await store.listProvisioningLogs(tenant.tenantId, { jobId: seen.jobId, limit: 50 });
    assert.deepEqual(logs.items.map((l) => l.provisioningAction).sort(), ['create', 'create', 'other']);
    assert.equal(await store.getWatermark(tenant.tenantId, seen.jobId) || undefined, undefined);

    // links.members: the group and two of its members, on a fresh job: the members first, and
    // the cloud group holds exactly them (its other members are not synced on that job).
    const linked = parsed(seen.linked);
    assert.equal(linked.key.result, 'Success');
    assert.equal(linked.value.action, 'Create');
    const reported = (linked.value as unknown as { members: { objectId: string; result: string; action: string; targetId: string }[] }).members;
    assert.deepEqual(reported.map((m) => [m.objectId, m.result, m.action]), linkMembers.map((dn) => [dn, 'Success', 'Create']));
    const cloudMembers = await store.listGroupMembers(tenant.tenantId, linked.value.targetIdentity.id!, { limit: 50 });
    assert.deepEqual(cloudMembers.items.map((m) => m.object.id).sort(), reported.map((m) => m.targetId).sort());
    assert.equal(seen.notMember.statusCode, 400);
    assert.match(seen.notMember.message, /is not a member of/);

    // The next cycle reads everything and finds the user and group already synced: no duplicate.
    const record = (await store.getSynchronizationJob(tenant.tenantId, seen.jobId))!;
    const cycle = await runCycle({ job: cycleJobOf(record), source, store: syncStore });
    assert.equal(cycle.execution.countEscrowed, 0);
    const sameSam = await store.listUsers(tenant.tenantId, { limit: 5, filter: { op: 'eq', property: 'onPremisesSamAccountName', value: user.attributes.sAMAccountName![0]! } });
    assert.deepEqual(sameSam.items.map((u) => u.id), [cloudUser.id]);
  });
});
