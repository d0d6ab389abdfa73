/**
 * Cloud sign-in with the AD password, end to end against the Samba DC: users provisioned
 * from a per-run OU by the engine, their hashes brought by the password hash job (both
 * through the agent's real domain handler), then signed in with @azure/msal-node's
 * acquireTokenByUsernamePassword over HTTPS. A password changed in AD works after the next
 * password hash cycle and the old one stops; a must-change user, a disabled user and a
 * deleted user cannot sign in; failures lock the account; the API never shows a hash.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change } from 'ldapts';
import type { AdDomains } from '../../src/agent/ad-domains.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import { runPasswordHashCycle } from '../../src/engine/password-hash/password-hash-cycle.ts';
import { createPasswordHashSource } from '../../src/engine/password-hash/password-hash-source.ts';
import type { CycleJob, SyncStore } from '../../src/engine/ports.ts';
import { defaultSchema } from '../../src/engine/schema/default-schema.ts';
import { createScimChangeSource } from '../../src/engine/scim-change-source.ts';
import { createSqliteSyncStore } from '../../src/engine/sqlite/sync-store.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { createTestOu, type TestOu } from '../ad/helpers.ts';
import { addUser, setPassword } from '../drs/support.ts';
import { agentDomains, sendTo } from '../engine/password-hash-support.ts';
import { startApiFixture, tokenFor, type ApiFixture } from '../api/support/api-fixture.ts';
import { makeTestCertificates, type TestCertificates } from '../api/support/test-ca.ts';

const run = promisify(execFile);

interface Attempt {
  ok: boolean;
  username?: string;
  homeAccountId?: string;
  idTokenOid?: string;
  scopes?: string[];
  claims?: { oid: string; tid: string; idtyp: string; scp: string; roles: unknown; aud: string };
  organizationStatus?: number;
  usersStatus?: number;
  errorCode?: string;
  message?: string;
}

describe('sign-in with the AD password (password hash sync, MSAL ROPC)', { skip: skipReason(), timeout: 600_000 }, () => {
  let ou: TestOu;
  let f: ApiFixture;
  let certDir: string;
  let certs: TestCertificates;
  let apiUrl: string;
  let domains: AdDomains;
  let store: SyncStore;
  let provisioning: CycleJob;
  let passwordHashes: CycleJob;
  const tag = Math.random().toString(36).slice(2, 8);
  const sams = { alice: `phs-i-a-${tag}`, bob: `phs-i-b-${tag}`, must: `phs-i-m-${tag}`, gone: `phs-i-g-${tag}`, locked: `phs-i-l-${tag}` };
  const dn = (sam: string) => `CN=${sam},${ou.dn}`;
  const upn = (sam: string) => `${sam}@${adEnv().domain}`;
  const pw = (sam: string, n = 1) => `${sam}-Pw-${n}!`;

  async function signIn(...attempts: [string, string][]): Promise<Attempt[]> {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/ropc-script.ts')], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile, CANOPY_API_URL: apiUrl, CANOPY_TENANT: f.a.tenantId, CANOPY_ATTEMPTS: JSON.stringify(attempts.map(([username, password]) => ({ username, password }))) },
      timeout: 120_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Attempt[];
  }

  async function provision(): Promise<void> {
    const result = await runCycle({ job: provisioning, source: createScimChangeSource(sendTo(domains)), store });
    assert.notEqual(result.execution.state, 'Failed', JSON.stringify(result.execution.error));
  }
  async function syncHashes(): Promise<void> {
    const result = await runPasswordHashCycle({ job: passwordHashes, source: createPasswordHashSource(sendTo(domains)), store });
    assert.equal(result.execution.state, 'Succeeded', JSON.stringify(result.execution.error));
  }
  const token = (username: string, password: string) => f.app.inject({
    method: 'POST',
    url: `/${f.a.tenantId}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', scope: 'openid User.Read', username, password }).toString(),
  });

  before(async () => {
    ou = await createTestOu();
    for (const sam of [sams.alice, sams.bob, sams.gone, sams.locked]) await addUser(ou.admin, dn(sam), sam, pw(sam));
    await addUser(ou.admin, dn(sams.must), sams.must, pw(sams.must), true);
    certDir = mkdtempSync(join(tmpdir(), 'canopy-ca-'));
    certs = makeTestCertificates(certDir);
    f = await startApiFixture({ https: { key: certs.key, cert: certs.cert } } as never);
    apiUrl = (await f.app.listen({ host: '127.0.0.1', port: 0 })).replace('https://127.0.0.1', 'https://localhost');
    store = createSqliteSyncStore(f.store);
    domains = agentDomains(adEnv().bindDn, adEnv().password);
    const schema = defaultSchema();
    const rule = schema.synchronizationRules[0]!;
    provisioning = { tenantId: f.a.tenantId, jobId: `AD2AADProvisioning.${tag}`, domain: adEnv().domain, schema: { ...schema, synchronizationRules: [{ ...rule, containerFilter: { includedContainers: [ou.dn] } }] } };
    passwordHashes = { tenantId: f.a.tenantId, jobId: `AD2AADPasswordHash.${tag}`, domain: adEnv().domain, schema };
    await provision();
    await syncHashes();
  });
  after(async () => {
    await domains?.close();
    await store?.close();
    await f?.close();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
    await ou?.cleanup();
  });

  test('a synced user signs in with the AD password through MSAL; a wrong password and a must-change user do not', async () => {
    const [alice, wrong, must] = await signIn([upn(sams.alice), pw(sams.alice)], [upn(sams.alice), pw(sams.alice, 9)], [upn(sams.must), pw(sams.must)]);
    assert.equal(alice!.ok, true, alice!.message);
    const user = await f.store.findUser(f.a.tenantId, { userPrincipalName: upn(sams.alice) });
    assert.equal(alice!.username, upn(sams.alice));
    assert.equal(alice!.idTokenOid, user!.id);
    assert.equal(alice!.homeAccountId, `${user!.id}.${f.a.tenantId}`);
    assert.deepEqual({ ...alice!.claims }, { oid: user!.id, tid: f.a.tenantId, idtyp: 'user', scp: 'User.Read', roles: null, aud: 'https://graph.microsoft.com' });
    assert.equal(alice!.organizationStatus, 200, 'a user token reads its organization');
    assert.equal(alice!.usersStatus, 403, 'and holds no application permission');
    assert.equal(wrong!.ok, false);
    assert.match(wrong!.message!, /AADSTS50126/);
    assert.equal(must!.ok, false, 'a must-change user has no hash in the cloud');
    assert.match(must!.message!, /AADSTS50126/);
  });

  test('a password changed in AD works after the next password hash cycle, and the old one stops', async () => {
    await setPassword(ou.admin, dn(sams.alice), pw(sams.alice, 2));
    await syncHashes();
    const [oldOne, newOne] = await signIn([upn(sams.alice), pw(sams.alice)], [upn(sams.alice), pw(sams.alice, 2)]);
    assert.equal(oldOne!.ok, false);
    assert.match(oldOne!.message!, /AADSTS50126/);
    assert.equal(newOne!.ok, true, newOne!.message);
  });

  test('a user disabled in AD cannot sign in after provisioning\'s next cycle; a deleted one neither', async () => {
    const before = await signIn([upn(sams.bob), pw(sams.bob)], [upn(sams.gone), pw(sams.gone)]);
    assert.deepEqual(before.map((a) => a.ok), [true, true]);
    await ou.admin.modify(dn(sams.bob), new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['514'] }) }));
    await ou.admin.del(dn(sams.gone));
    await provision();
    assert.equal((await f.store.findUser(f.a.tenantId, { userPrincipalName: upn(sams.bob) }))?.accountEnabled, false);
    const [bob, gone] = await signIn([upn(sams.bob), pw(sams.bob)], [upn(sams.gone), pw(sams.gone)]);
    assert.equal(bob!.ok, false);
    assert.match(bob!.message!, /AADSTS50057/, 'disabled, said only to the right password');
    assert.equal(gone!.ok, false);
    assert.match(gone!.message!, /AADSTS50126/);
    const wrongForDisabled = await token(upn(sams.bob), 'not-it');
    assert.match(wrongForDisabled.json().error_description, /AADSTS50126/, 'a wrong password does not learn the account is disabled');
  });

  test('ten failures lock the account: then even the right password is refused', async () => {
    for (let i = 0; i < 10; i++) {
      const response = await token(upn(sams.locked), `wrong-${i}`);
      assert.equal(response.statusCode, 400);
      assert.match(response.json().error_description, /AADSTS50126/);
    }
    const response = await token(upn(sams.locked), pw(sams.locked));
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error, 'invalid_grant');
    assert.match(response.json().error_description, /AADSTS50053/);
  });

  test('the API never returns a password hash: not on the user, not with $select', async () => {
    const admin = await tokenFor(f.app, f.a);
    const user = await f.store.findUser(f.a.tenantId, { userPrincipalName: upn(sams.alice) });
    assert.ok(await f.store.getUserPasswordHash(f.a.tenantId, user!.id), 'the hash is stored');
    for (const url of [`/v1.0/users/${user!.id}`, `/beta/users/${user!.id}`, `/v1.0/users?$filter=userPrincipalName eq '${upn(sams.alice)}'`, `/v1.0/users/${user!.id}?$select=id,passwordProfile,credentialData`]) {
      const response = await f.app.inject({ method: 'GET', url: encodeURI(url), headers: { authorization: `Bearer ${admin}` } });
      assert.ok(!/PPH1|v1;/.test(response.body), `${url}: ${response.body.slice(0, 200)}`);
    }
  });

  test('bad requests name what is wrong: a missing username, another resource\'s scope, an unknown confidential client', async () => {
    const form = (fields: Record<string, string>) => f.app.inject({ method: 'POST', url: `/${f.a.tenantId}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    const noUser = await form({ grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', scope: 'User.Read', password: 'x' });
    assert.equal(noUser.statusCode, 400);
    assert.match(noUser.json().error_description, /'username'/);
    const otherResource = await form({ grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', scope: 'https://management.azure.com/user_impersonation', username: upn(sams.alice), password: pw(sams.alice, 2) });
    assert.equal(otherResource.json().error, 'invalid_scope');
    const unknownClient = await form({ grant_type: 'password', client_id: 'not-a-client', scope: 'User.Read', username: upn(sams.alice), password: pw(sams.alice, 2) });
    assert.equal(unknownClient.statusCode, 401);
    assert.equal(unknownClient.json().error, 'invalid_client');
  });
});
