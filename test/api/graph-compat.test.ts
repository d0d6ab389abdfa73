/**
 * The gaps the issue found, each as a check that failed before: Graph-shaped errors for unknown
 * routes and methods on /v1.0 and /beta, the service principal alternate key and $select of
 * accountEnabled, GET secrets with credentials redacted, one configuration per AD domain,
 * PATCH /organization refusing what it does not change.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TEMPLATE = '1a4721b3-e57f-4451-ae87-ef078703ec94';

describe('Graph compatibility gaps', () => {
  let f: ApiFixture;
  let token: string;
  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    f.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

  before(async () => {
    f = await startApiFixture();
    token = await tokenFor(f.app, f.a);
  });
  after(() => f.close());

  for (const version of ['v1.0', 'beta']) {
    test(`/${version}: an unknown route is 400 and a known route with another method is 405, both in Graph's error body`, async () => {
      for (const [method, url, status, code] of [
        ['GET', `/${version}/nothingHere`, 400, 'BadRequest'],
        ['DELETE', `/${version}/organization`, 405, 'Request_BadRequest'],
        ['PUT', `/${version}/servicePrincipals/${f.a.servicePrincipalId}/synchronization/jobs`, 405, 'Request_BadRequest'],
      ] as const) {
        const response = await call(method, url);
        assert.equal(response.statusCode, status, `${method} ${url}`);
        const { error } = response.json();
        assert.equal(error.code, code);
        assert.equal(typeof error.message, 'string');
        assert.match(error.innerError['request-id'], GUID);
        assert.match(error.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
        assert.equal(response.headers['request-id'], error.innerError['request-id']);
      }
      const unauthenticated = await f.app.inject({ method: 'GET', url: `/${version}/nothingHere` });
      assert.equal(unauthenticated.statusCode, 401);
      assert.equal(unauthenticated.json().error.code, 'InvalidAuthenticationToken');
    });
  }

  test("servicePrincipals(appId='…') finds the service principal; $select of accountEnabled answers a value", async () => {
    const response = await call('GET', `/v1.0/servicePrincipals(appId='${TEMPLATE}')?$select=id,accountEnabled,servicePrincipalType`);
    assert.equal(response.statusCode, 200, response.body);
    const { '@odata.context': _context, ...body } = response.json<Record<string, unknown>>();
    assert.deepEqual(body, { id: f.a.servicePrincipalId, accountEnabled: true, servicePrincipalType: 'Application' });
    assert.equal((await call('GET', "/v1.0/servicePrincipals(appId='00000000-0000-0000-0000-000000000000')")).statusCode, 404);
    const other = await call('GET', `/beta/servicePrincipals(appId='${TEMPLATE}')`);
    assert.match(other.json()['@odata.context'], /\/beta\/\$metadata#servicePrincipals\/\$entity$/);
  });

  test('GET secrets shows keys and settings, never a credential; a second configuration cannot take the same domain', async () => {
    const sp = f.a.servicePrincipalId;
    const put = await call('PUT', `/v1.0/servicePrincipals/${sp}/synchronization/secrets`, {
      value: [{ key: 'Domain', value: '{"domain":"one.test"}' }, { key: 'SecretToken', value: 'hunter2' }],
    });
    assert.equal(put.statusCode, 204);
    const got = (await call('GET', `/beta/servicePrincipals/${sp}/synchronization/secrets`)).json().value;
    assert.deepEqual(got, [{ key: 'Domain', value: '{"domain":"one.test"}' }, { key: 'SecretToken', value: '*' }]);
    const second = (await call('POST', `/v1.0/applicationTemplates/${TEMPLATE}/instantiate`, { displayName: 'two.test' })).json().servicePrincipal.id;
    const clash = await call('PUT', `/v1.0/servicePrincipals/${second}/synchronization/secrets`, { value: [{ key: 'Domain', value: '{"domain":"ONE.test"}' }] });
    assert.equal(clash.statusCode, 400);
    assert.match(clash.json().error.message, /already configured/);
    const bad = await call('PUT', `/v1.0/servicePrincipals/${second}/synchronization/secrets`, { value: [{ key: 'AppKey', value: '{"appKeyScenario":"Nope"}' }] });
    assert.equal(bad.statusCode, 400);
    assert.equal((await call('POST', `/v1.0/applicationTemplates/${TEMPLATE}/instantiate`, {})).statusCode, 400);
    assert.equal((await call('POST', '/v1.0/applicationTemplates/00000000-0000-0000-0000-000000000000/instantiate', { displayName: 'x' })).statusCode, 404);
  });

  test('PATCH /organization sets onPremisesSyncEnabled only, and only for the caller\'s tenant', async () => {
    assert.equal((await call('GET', '/v1.0/organization')).json().value[0].onPremisesSyncEnabled, null);
    assert.equal((await call('PATCH', `/v1.0/organization/${f.a.tenantId}`, { displayName: 'renamed' })).statusCode, 400);
    assert.equal((await call('PATCH', `/v1.0/organization/${f.b.tenantId}`, { onPremisesSyncEnabled: true })).statusCode, 403);
    assert.equal((await f.store.getTenant(f.b.tenantId))?.onPremisesSyncEnabled, null);
    assert.equal((await call('PATCH', `/beta/organization/${f.a.tenantId}`, { onPremisesSyncEnabled: true })).statusCode, 204);
    assert.equal((await call('GET', '/v1.0/organization')).json().value[0].onPremisesSyncEnabled, true);
  });
});
