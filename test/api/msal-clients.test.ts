/**
 * Tokens as Entra issues them, taken by Microsoft's own libraries: @azure/identity's
 * ClientSecretCredential and @azure/msal-node's ConfidentialClientApplication, pointed at the
 * service over real HTTPS (test CA) with the tenant given by id and by verified domain name.
 * Before the OpenID metadata carried authorization_endpoint, both failed with
 * endpoints_resolution_error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';
import { makeTestCertificates, type TestCertificates } from './support/test-ca.ts';

const run = promisify(execFile);

describe('MSAL and Azure.Identity against the service', () => {
  let f: ApiFixture;
  let certDir: string;
  let certs: TestCertificates;
  let apiUrl: string;

  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'canopy-ca-'));
    certs = makeTestCertificates(certDir);
    f = await startApiFixture({ https: { key: certs.key, cert: certs.cert } } as never);
    // A verified domain: the Domain secret of a configuration of tenant A.
    await f.store.transaction((tx) => tx.putSynchronizationSecrets(f.a.tenantId, f.a.servicePrincipalId, [{ key: 'Domain', value: '{"domain":"contoso.test"}' }]));
    const address = await f.app.listen({ host: '127.0.0.1', port: 0 });
    apiUrl = address.replace('https://127.0.0.1', 'https://localhost');
  });
  after(async () => {
    await f.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  async function clients(tenant: string, clientSecret = f.a.clientSecret) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/msal-script.ts')], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile, CANOPY_API_URL: apiUrl, CANOPY_TENANT: tenant, CANOPY_CLIENT_ID: f.a.clientId, CANOPY_CLIENT_SECRET: clientSecret },
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }

  for (const [label, tenant] of [['tenant id', () => f.a.tenantId], ['verified domain name', () => 'contoso.test']] as const) {
    test(`both libraries get a token with the tenant as ${label}, and Graph accepts it`, async () => {
      const seen = await clients(tenant());
      assert.deepEqual(seen.identity.organization, { status: 200, id: f.a.tenantId });
      assert.ok(seen.identity.expiresOnTimestamp > Date.now());
      assert.equal(seen.msal.tokenType, 'Bearer');
      assert.deepEqual(seen.msal.organization, { status: 200, id: f.a.tenantId });
      assert.match(seen.wrongSecret, /invalid_client|AADSTS7000215|Invalid client secret/);
    });
  }

  test('the metadata has what MSAL requires, on the v2 and v1 paths, by id and by domain', async () => {
    for (const url of [`/${f.a.tenantId}/v2.0/.well-known/openid-configuration`, '/contoso.test/v2.0/.well-known/openid-configuration', `/${f.a.tenantId}/.well-known/openid-configuration`]) {
      const response = await f.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      const metadata = response.json();
      for (const field of ['authorization_endpoint', 'token_endpoint', 'issuer', 'jwks_uri']) assert.equal(typeof metadata[field], 'string', `${url} ${field}`);
      assert.equal(metadata.issuer, `http://localhost:80/${f.a.tenantId}/v2.0`, 'the issuer is on the host asked (as MSAL requires) and names the tenant by id, whatever the path named');
      assert.ok(metadata.token_endpoint.includes(f.a.tenantId));
      const keys = await f.app.inject({ method: 'GET', url: new URL(metadata.jwks_uri).pathname });
      assert.equal(keys.json().keys.length, 1);
    }
    const unknown = await f.app.inject({ method: 'GET', url: '/nowhere.test/v2.0/.well-known/openid-configuration' });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error, 'invalid_tenant');
  });

  test('the v1 token endpoint takes resource= and issues the same token', async () => {
    const response = await f.app.inject({
      method: 'POST',
      url: `/${f.a.tenantId}/oauth2/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: f.a.clientId, client_secret: f.a.clientSecret, resource: 'https://graph.microsoft.com' }).toString(),
    });
    assert.equal(response.statusCode, 200, response.body);
    const token = response.json().access_token as string;
    const org = await f.app.inject({ method: 'GET', url: '/v1.0/organization', headers: { authorization: `Bearer ${token}` } });
    assert.equal(org.statusCode, 200);
    assert.ok(await tokenFor(f.app, f.a));
  });
});
