/** Token endpoint, signing key persistence, and first-start bootstrap of a data folder. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { isCanopyError } from '../../src/core/errors.ts';
import { loadOrCreateSigningKey, SIGNING_KEY_FILE } from '../../src/api/auth/keys.ts';
import { createTokenSigner } from '../../src/api/auth/verify.ts';
import { bootstrapDataFolder, type BootstrapFile } from '../../src/api/auth/bootstrap.ts';
import { CLOUD_SYNC_APP_DISPLAY_NAME, CLOUD_SYNC_TEMPLATE_APP_ID } from '../../src/api/auth/tenant-setup.ts';
import { openSqliteDirectoryStore, directoryDatabasePath } from '../../src/directory/sqlite/store.ts';
import { startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

describe('token endpoint', () => {
  let f: ApiFixture;
  before(async () => { f = await startApiFixture(); });
  after(() => f.close());

  const good = () => ({ grant_type: 'client_credentials', client_id: f.a.clientId, client_secret: f.a.clientSecret, scope: 'https://graph.microsoft.com/.default' });

  test('client credentials give a bearer token that verifies to the tenant, app and roles, and against the JWKS', async () => {
    const response = await f.app.inject({ method: 'POST', url: `/${f.a.tenantId}/oauth2/v2.0/token`, ...form(good()) });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.json();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3599);
    const claims = await f.signer.verifyAccessToken(body.access_token);
    assert.equal(claims.tenantId, f.a.tenantId);
    assert.equal(claims.appId, f.a.clientId);
    assert.ok(claims.roles.includes('User.ReadWrite.All'));
    const jwks = await f.app.inject({ method: 'GET', url: `/${f.a.tenantId}/discovery/v2.0/keys` });
    assert.equal(jwks.json().keys[0].d, undefined, 'no private part published');
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks.json()), { audience: 'https://graph.microsoft.com' });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.tid, f.a.tenantId);
    const metadata = (await f.app.inject({ method: 'GET', url: `/${f.a.tenantId}/v2.0/.well-known/openid-configuration` })).json();
    assert.equal(metadata.issuer, payload.iss);
    assert.match(metadata.token_endpoint, new RegExp(`/${f.a.tenantId}/oauth2/v2.0/token$`));
  });

  test('HTTP Basic client authentication works too (RFC 6749 §2.3.1)', async () => {
    const basic = Buffer.from(`${f.a.clientId}:${f.a.clientSecret}`).toString('base64');
    const { client_id: _id, client_secret: _secret, ...rest } = good();
    const response = await f.app.inject({ method: 'POST', url: `/${f.a.tenantId}/oauth2/v2.0/token`, ...form(rest), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` } });
    assert.equal(response.statusCode, 200);
  });

  const cases: [string, () => { tenant?: string; fields: Record<string, string> }, number, string][] = [
    ['a wrong secret', () => ({ fields: { ...good(), client_secret: 'nope' } }), 401, 'invalid_client'],
    ['an unknown client', () => ({ fields: { ...good(), client_id: crypto.randomUUID() } }), 401, 'invalid_client'],
    ["tenant A's client at tenant B", () => ({ tenant: f.b.tenantId, fields: good() }), 401, 'invalid_client'],
    ['no secret', () => { const { client_secret: _s, ...fields } = good(); return { fields }; }, 401, 'invalid_client'],
    ['the authorization code grant', () => ({ fields: { ...good(), grant_type: 'authorization_code', code: 'x' } }), 400, 'unsupported_grant_type'],
    ['the password grant without a username', () => ({ fields: { ...good(), grant_type: 'password' } }), 400, 'invalid_request'],
    ['no grant_type', () => { const { grant_type: _g, ...fields } = good(); return { fields }; }, 400, 'invalid_request'],
    ['no scope', () => { const { scope: _s, ...fields } = good(); return { fields }; }, 400, 'invalid_request'],
    ['a delegated scope', () => ({ fields: { ...good(), scope: 'User.Read' } }), 400, 'invalid_scope'],
    ['an unknown tenant', () => ({ tenant: crypto.randomUUID(), fields: good() }), 400, 'invalid_request'],
  ];
  for (const [name, make, status, error] of cases) {
    test(`${name} → ${status} ${error}`, async () => {
      const { tenant, fields } = make();
      const response = await f.app.inject({ method: 'POST', url: `/${tenant ?? f.a.tenantId}/oauth2/v2.0/token`, ...form(fields) });
      assert.equal(response.statusCode, status, response.body);
      const body = response.json();
      assert.equal(body.error, error);
      assert.match(body.error_description, /^AADSTS\d+: /);
      assert.equal(body.access_token, undefined);
    });
  }

  test('a JSON body is not a token request', async () => {
    const response = await f.app.inject({ method: 'POST', url: `/${f.a.tenantId}/oauth2/v2.0/token`, payload: good() });
    assert.notEqual(response.statusCode, 200);
  });

  test('a tampered or foreign-key token is refused by verifyAccessToken', async () => {
    const token = await tokenFor(f.app, f.a);
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), tid: f.b.tenantId })).toString('base64url');
    await assert.rejects(f.signer.verifyAccessToken(`${h}.${forged}.${s}`), (e) => isCanopyError(e, 'ERR_AUTH_TOKEN_INVALID'));
    const otherDir = mkdtempSync(join(tmpdir(), 'canopy-key-'));
    try {
      const other = createTokenSigner(await loadOrCreateSigningKey(otherDir));
      await assert.rejects(other.verifyAccessToken(token), (e) => isCanopyError(e, 'ERR_AUTH_TOKEN_INVALID'));
      const expiredSigner = createTokenSigner(await loadOrCreateSigningKey(otherDir), { lifetimeSeconds: -120 });
      const { accessToken } = await expiredSigner.sign({ tenantId: f.a.tenantId, appId: f.a.clientId, roles: [] });
      await assert.rejects(expiredSigner.verifyAccessToken(accessToken), (e) => isCanopyError(e, 'ERR_AUTH_TOKEN_EXPIRED'));
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});

describe('signing key and bootstrap in the data folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-boot-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the signing key is kept (0600) so tokens survive a restart', async () => {
    const first = createTokenSigner(await loadOrCreateSigningKey(dir));
    const { accessToken } = await first.sign({ tenantId: 't', appId: 'a', roles: ['r'] });
    assert.equal(statSync(join(dir, SIGNING_KEY_FILE)).mode & 0o777, 0o600);
    const restarted = createTokenSigner(await loadOrCreateSigningKey(dir));
    assert.deepEqual(await restarted.verifyAccessToken(accessToken), { tenantId: 't', appId: 'a', roles: ['r'] });
  });

  test('first start creates the tenant, admin app, cloud sync service principal and bootstrap.json (0600); later starts reuse them', async () => {
    const store = openSqliteDirectoryStore(directoryDatabasePath(dir));
    try {
      const first = await bootstrapDataFolder({ store, dataDir: dir, apiUrl: 'https://127.0.0.1:1' });
      assert.equal(first.created, true);
      const path = join(dir, 'bootstrap.json');
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const file = JSON.parse(readFileSync(path, 'utf8')) as BootstrapFile;
      assert.deepEqual(Object.keys(file).sort(), ['apiUrl', 'clientId', 'clientSecret', 'tenantId']);
      assert.equal(file.tenantId, first.tenantId);
      assert.match(file.clientId, /^[0-9a-f-]{36}$/);
      const [sp] = await store.listServicePrincipals(file.tenantId);
      assert.equal(sp?.appDisplayName, CLOUD_SYNC_APP_DISPLAY_NAME);
      assert.ok(sp?.servicePrincipalNames.includes(CLOUD_SYNC_TEMPLATE_APP_ID));
      const app = await store.getApplicationByAppId(file.tenantId, file.clientId);
      assert.ok(app);
      assert.ok(!JSON.stringify(app).includes(file.clientSecret), 'the secret is stored hashed only');

      const second = await bootstrapDataFolder({ store, dataDir: dir, apiUrl: 'https://127.0.0.1:2' });
      assert.deepEqual(second, { created: false, tenantId: first.tenantId, bootstrapPath: path });
      assert.equal((await store.listTenants()).length, 1);
      const updated = JSON.parse(readFileSync(path, 'utf8')) as BootstrapFile;
      assert.deepEqual(updated, { ...file, apiUrl: 'https://127.0.0.1:2' });
    } finally {
      await store.close();
    }
  });
});
