/** /v1.0/servicePrincipals: finding cloud sync's service principal the way Entra's docs do. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOUD_SYNC_APP_DISPLAY_NAME, CLOUD_SYNC_TEMPLATE_APP_ID } from '../../src/api/auth/tenant-setup.ts';
import { startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

describe('Graph servicePrincipals API', () => {
  let f: ApiFixture;
  let token: string;
  before(async () => {
    f = await startApiFixture();
    token = await tokenFor(f.app, f.a);
  });
  after(() => f.close());

  const get = (url: string) => f.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  test("startswith(displayName,'Active Directory to Azure Active Directory Provisioning') finds the tenant's own cloud sync principal", async () => {
    const filter = encodeURIComponent("startswith(displayName,'active directory to azure active directory provisioning')");
    const body = (await get(`/v1.0/servicePrincipals?$filter=${filter}`)).json();
    assert.equal(body.value.length, 1);
    const [sp] = body.value;
    assert.equal(sp.id, f.a.servicePrincipalId);
    assert.equal(sp.appDisplayName, CLOUD_SYNC_APP_DISPLAY_NAME);
    assert.deepEqual(sp.servicePrincipalNames, [CLOUD_SYNC_TEMPLATE_APP_ID]);
    assert.equal((await get(`/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${CLOUD_SYNC_TEMPLATE_APP_ID}'`)}`)).json().value.length, 1);
    assert.equal((await get(`/v1.0/servicePrincipals?$filter=${encodeURIComponent("displayName eq 'other'")}`)).json().value.length, 0);
    assert.equal((await get(`/v1.0/servicePrincipals/${f.a.servicePrincipalId}`)).json().appId, CLOUD_SYNC_TEMPLATE_APP_ID);
    assert.equal((await get(`/v1.0/servicePrincipals/${f.b.servicePrincipalId}`)).statusCode, 404, "tenant B's principal is not visible");
  });
});
