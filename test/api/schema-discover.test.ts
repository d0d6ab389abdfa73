/**
 * Schema discovery against the Samba DC, through the Graph SDK (issue 9: "POST
 * …/schema/directories/{id}/discover (reads the AD schema through the agent …)"): the AD
 * directory comes back as Graph's directoryDefinition with what the forest's schema lets
 * users, inetOrgPersons and groups hold — types from the attribute syntaxes, multi-valued
 * and required as the schema says, msDS-cloudExtensionAttribute1–20 among them — read by
 * the agent's GET /AdSchema over LDAP. A schema PUT that maps a discovered attribute the
 * agent does not read is refused naming it; one the agent reads (employeeID) is accepted.
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
import { cycleJobOf } from '../../src/engine/engine.ts';
import { createScimChangeSource } from '../../src/engine/scim-change-source.ts';
import { discoverDirectory } from '../../src/engine/schema/discover.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { makeTestCertificates } from './support/test-ca.ts';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'support/schema-script.ts');

describe('schema discovery through the Graph SDK, against the Samba DC', { skip: skipReason() }, () => {
  let dir: string;
  let store: DirectoryStore;
  let reader: AdReader;
  let app: FastifyInstance;
  let tenant: TenantCredentials;
  let sdkEnv: NodeJS.ProcessEnv;

  before(async () => {
    const env = adEnv();
    dir = mkdtempSync(join(tmpdir(), 'canopy-discover-'));
    const certs = makeTestCertificates(dir);
    store = openSqliteDirectoryStore(directoryDatabasePath(dir));
    tenant = await createTenantWithAdmin(store, { displayName: 'Discover' });
    reader = await AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn });
    const handler = createScimHandler({
      source: {
        search: (options) => reader.search({ ...options, classes: options.classes ? ([...options.classes] as AdObjectClass[]) : undefined }),
        readObject: (key) => reader.readObject(key),
        readChanges: (watermark) => reader.readChanges(watermark),
        readSchema: (classes) => reader.readSchema(classes),
      },
    });
    const source = createScimChangeSource(async (_tenant, request) => handler(request));
    app = buildApiApp({
      store,
      auth: createTokenSigner(await loadOrCreateSigningKey(dir)),
      discoverDirectory: async (tenantId, jobId, directoryId) => discoverDirectory(cycleJobOf((await store.getSynchronizationJob(tenantId, jobId))!), source, directoryId, new Date()),
      fastify: { https: { key: certs.key, cert: certs.cert } } as never,
    });
    const apiUrl = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('https://127.0.0.1', 'https://localhost');
    sdkEnv = {
      ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile, CANOPY_API_URL: apiUrl, CANOPY_TENANT_ID: tenant.tenantId,
      CANOPY_CLIENT_ID: tenant.clientId, CANOPY_CLIENT_SECRET: tenant.clientSecret, CANOPY_DOMAIN: env.domain,
    };
  });
  after(async () => {
    await app?.close();
    await reader?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('discover answers the forest\'s attributes per class, typed; a PUT mapping one the agent does not read is refused', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', SCRIPT, 'discover'], { env: sdkEnv, timeout: 120_000 });
    const { ad, aad, missing, refused, accepted } = JSON.parse(stdout.trim().split('\n').pop()!);
    type Attribute = { name: string; type: string; multivalued: boolean; required?: boolean; anchor?: boolean };
    const attributes = (name: string) => new Map<string, Attribute>((ad.objects as { name: string; attributes: Attribute[] }[]).find((o) => o.name === name)!.attributes.map((a) => [a.name.toLowerCase(), a]));
    assert.equal(ad.id, 'ad');
    assert.equal(ad.discoverabilities, 'AttributeNames, AttributeDataTypes');
    assert.ok(Date.now() - Date.parse(ad.discoveryDateTime) < 120_000);
    assert.deepEqual(ad.objects.map((o: { name: string }) => o.name), ['user', 'inetOrgPerson', 'group']);
    const user = attributes('user');
    assert.ok(user.size > 150, `a user may hold many attributes in AD's schema (${user.size})`);
    const pick = (a: Attribute | undefined) => a && { type: a.type, multivalued: a.multivalued };
    assert.deepEqual(pick(user.get('employeeid')), { type: 'String', multivalued: false });
    assert.deepEqual(pick(user.get('employeenumber')), { type: 'String', multivalued: false });
    assert.deepEqual(pick(user.get('accountexpires')), { type: 'Integer', multivalued: false }, 'a large integer');
    assert.deepEqual(pick(user.get('whencreated')), { type: 'DateTime', multivalued: false });
    assert.deepEqual(pick(user.get('memberof')), { type: 'Reference', multivalued: true }, 'a DN-valued back link');
    assert.deepEqual(pick(user.get('iscriticalsystemobject')), { type: 'Boolean', multivalued: false });
    assert.deepEqual(pick(user.get('othertelephone')), { type: 'String', multivalued: true });
    for (let i = 1; i <= 20; i++) assert.ok(user.has(`msds-cloudextensionattribute${i}`), `msDS-cloudExtensionAttribute${i}`);
    assert.equal(user.get('objectguid')!.anchor, true, 'the stored definition of an attribute is kept (anchor)');
    assert.equal(user.get('objectclass')!.required, true, 'mustContain: required');
    assert.ok(user.has('sourceanchor'), 'the engine\'s own source attributes stay');
    assert.ok(attributes('inetOrgPerson').has('employeenumber'));
    assert.deepEqual(pick(attributes('group').get('member')), { type: 'Reference', multivalued: true });
    assert.ok(!attributes('group').has('employeeid'), 'a group may not hold employeeID');
    assert.equal(aad.id, 'aad');
    assert.equal(missing.statusCode, 404);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.message, /\[employeeNumber\].*agent does not read it/);
    assert.equal(accepted.statusCode, 200, accepted.message);
  });
});
