/** /v1.0/users and friends through fastify inject: auth, tenant isolation, OData options, writes. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { ON_PREMISES_MASTERED_MESSAGE } from '../../src/api/errors.ts';
import type { DirectoryUser } from '../../src/directory/types.ts';
import { seedUsers, startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

describe('Graph users API', () => {
  let f: ApiFixture;
  let tokenA: string;
  let tokenB: string;
  let users: readonly DirectoryUser[];
  let userB: DirectoryUser;

  before(async () => {
    f = await startApiFixture();
    tokenA = await tokenFor(f.app, f.a);
    tokenB = await tokenFor(f.app, f.b);
    users = await seedUsers(f.store, f.a.tenantId, 25);
    userB = (await seedUsers(f.store, f.b.tenantId, 1, 900))[0]!;
    await f.store.transaction((tx) => tx.updateUsers(f.a.tenantId, [{ id: users[1]!.id, managerId: users[0]!.id }]));
  });
  after(() => f.close());

  const call = (options: InjectOptions & { token?: string | null; eventual?: boolean }) => f.app.inject({
    ...options,
    headers: {
      ...(options.token === null ? {} : { authorization: `Bearer ${options.token ?? tokenA}` }),
      ...(options.eventual ? { consistencylevel: 'eventual' } : {}),
      ...options.headers,
    },
  });
  const get = (url: string, extra: { token?: string | null; eventual?: boolean; headers?: Record<string, string> } = {}) => call({ method: 'GET', url, ...extra });
  const errorCode = (response: { json(): { error: { code: string } } }) => response.json().error.code;

  test('no token → 401 InvalidAuthenticationToken with a Graph error body', async () => {
    const response = await get('/v1.0/users', { token: null });
    assert.equal(response.statusCode, 401);
    const body = response.json();
    assert.equal(body.error.code, 'InvalidAuthenticationToken');
    assert.equal(typeof body.error.innerError['request-id'], 'string');
    assert.equal(response.headers['request-id'], body.error.innerError['request-id']);
    assert.equal((await get('/v1.0/users', { token: 'not.a.jwt' })).statusCode, 401);
    assert.equal((await get('/v1.0/no-such-thing', { token: null })).statusCode, 401, 'unknown paths need a token too');
  });

  test("tenant A's token never reaches tenant B: 404 on B's objects, 403 when naming tenant B", async () => {
    assert.equal((await get(`/v1.0/users/${userB.id}`)).statusCode, 404);
    assert.equal((await get(`/v1.0/users/${userB.id}`, { token: tokenB })).statusCode, 200);
    const named = await get('/v1.0/users', { headers: { 'x-canopy-tenant-id': f.b.tenantId } });
    assert.equal(named.statusCode, 403);
    assert.equal(errorCode(named), 'Authorization_RequestDenied');
    const org = await get(`/v1.0/organization/${f.b.tenantId}`);
    assert.equal(org.statusCode, 403);
    assert.equal(errorCode(org), 'Authorization_RequestDenied');
    assert.equal((await get(`/v1.0/organization/${f.a.tenantId}`)).json().id, f.a.tenantId);
    const listed = (await get('/v1.0/users?$top=999')).json().value.map((u: { id: string }) => u.id);
    assert.equal(listed.length, 25);
    assert.ok(!listed.includes(userB.id));
  });

  test('lists page with $top and @odata.nextLink ($skiptoken) and return the default property set', async () => {
    const first = await get('/v1.0/users?$top=10');
    assert.equal(first.statusCode, 200);
    const body = first.json();
    assert.match(body['@odata.context'], /\/v1\.0\/\$metadata#users$/);
    assert.equal(body.value.length, 10);
    assert.deepEqual(Object.keys(body.value[0]).sort(), ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName']);
    const ids = body.value.map((u: { id: string }) => u.id);
    let next: string | undefined = body['@odata.nextLink'];
    assert.match(next!, /^http:\/\/localhost(:\d+)?\/v1\.0\/users\?\$top=10&\$skiptoken=/);
    while (next) {
      const page = (await get(next.replace(/^http:\/\/[^/]+/, ''))).json();
      ids.push(...page.value.map((u: { id: string }) => u.id));
      next = page['@odata.nextLink'];
    }
    assert.equal(ids.length, 25);
    assert.equal(new Set(ids).size, 25);
    assert.equal(errorCode(await get('/v1.0/users?$top=1000')), 'Request_BadRequest');
    assert.equal(errorCode(await get('/v1.0/users?$skiptoken=garbage')), 'Request_BadRequest');
  });

  test('$select picks properties, including every onPremises* property of a synced user', async () => {
    const select = 'id,userPrincipalName,accountEnabled,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesDistinguishedName,onPremisesSamAccountName,onPremisesSecurityIdentifier,onPremisesDomainName,onPremisesUserPrincipalName,onPremisesLastSyncDateTime,employeeId,proxyAddresses';
    const response = await get(`/v1.0/users/${users[3]!.id}?$select=${select}`);
    assert.equal(response.statusCode, 200);
    const user = response.json();
    assert.match(user['@odata.context'], /#users\(id,userPrincipalName,.*,proxyAddresses\)\/\$entity$/);
    assert.equal(user.onPremisesImmutableId, users[3]!.onPremisesImmutableId);
    assert.equal(user.onPremisesSyncEnabled, true);
    assert.equal(user.onPremisesSecurityIdentifier, 'S-1-5-21-1-2-3-1003');
    assert.equal(user.accountEnabled, true);
    assert.deepEqual(user.proxyAddresses, ['SMTP:user0003@corp.test']);
    assert.equal(user.displayName, undefined, 'not selected');
    assert.equal(errorCode(await get('/v1.0/users?$select=nope')), 'BadRequest');
  });

  test('a user is found by id or by userPrincipalName; manager and memberOf navigate', async () => {
    assert.equal((await get('/v1.0/users/USER0004@corp.test')).json().id, users[4]!.id);
    assert.equal(errorCode(await get('/v1.0/users/nobody@corp.test')), 'Request_ResourceNotFound');
    const manager = await get(`/v1.0/users/${users[1]!.id}/manager`);
    assert.equal(manager.json().id, users[0]!.id);
    assert.equal(manager.json()['@odata.type'], '#microsoft.graph.user');
    assert.equal((await get(`/v1.0/users/${users[2]!.id}/manager`)).statusCode, 404);
    const [group] = await f.store.transaction(async (tx) => {
      const groups = await tx.createGroups(f.a.tenantId, [{ displayName: 'Readers' }]);
      await tx.addMembers(f.a.tenantId, [{ groupId: groups[0]!.id, memberId: users[5]!.id, memberType: 'user' }]);
      return groups;
    });
    const memberOf = (await get(`/v1.0/users/${users[5]!.id}/memberOf`)).json();
    assert.deepEqual(memberOf.value.map((g: { id: string; '@odata.type': string }) => [g.id, g['@odata.type']]), [[group!.id, '#microsoft.graph.group']]);
  });

  const filterCases: [string, number][] = [
    ["userPrincipalName eq 'user0007@corp.test'", 1],
    ["startswith(displayName,'User 001')", 10],
    ["department eq 'Sales' and accountEnabled eq false", 3],
    ["(employeeId eq 'E1' or employeeId eq 'E2') and onPremisesSyncEnabled eq true", 2],
    [`onPremisesImmutableId eq '${Buffer.from('guid-9').toString('base64')}'`, 1],
    ["mail eq 'USER0011@CORP.TEST'", 1],
    ["id in ('x', 'y')", 0],
  ];
  for (const [filter, expected] of filterCases) {
    test(`$filter=${filter} → ${expected}`, async () => {
      const response = await get(`/v1.0/users?$filter=${encodeURIComponent(filter)}&$top=999`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().value.length, expected);
    });
  }

  test('bad or unsupported $filter → 400 with the code Graph uses', async () => {
    assert.equal(errorCode(await get(`/v1.0/users?$filter=${encodeURIComponent('displayName eq')}`)), 'BadRequest');
    assert.equal(errorCode(await get(`/v1.0/users?$filter=${encodeURIComponent("nope eq 'x'")}`)), 'BadRequest');
    assert.equal(errorCode(await get(`/v1.0/users?$filter=${encodeURIComponent("accountEnabled eq 'yes'")}`)), 'BadRequest');
    assert.equal(errorCode(await get(`/v1.0/users?$filter=${encodeURIComponent("proxyAddresses eq 'smtp:a@b'")}`)), 'Request_UnsupportedQuery');
    assert.equal(errorCode(await get(`/v1.0/users?$filter=${encodeURIComponent("substringof('a',displayName)")}`)), 'Request_UnsupportedQuery');
    assert.equal(errorCode(await get(`/v1.0/users?$filter=${encodeURIComponent("employeeId gt 'E1'")}`)), 'Request_UnsupportedQuery');
    assert.equal(errorCode(await get('/v1.0/users?$orderby=jobTitle')), 'Request_UnsupportedQuery');
    assert.equal(errorCode(await get(`/v1.0/users/${users[0]!.id}?$expand=owners`)), 'BadRequest', 'refused, not ignored');
    assert.equal(errorCode(await get(`/v1.0/users/${users[0]!.id}?$skip=1`)), 'Request_UnsupportedQuery');
  });

  test('$count and advanced filters need ConsistencyLevel: eventual (?$count=true is ignored without it, as Graph does)', async () => {
    const ignored = await get('/v1.0/users?$count=true&$top=3');
    assert.equal(ignored.statusCode, 200);
    assert.equal(ignored.json()['@odata.count'], undefined);
    assert.equal(ignored.json().value.length, 3);
    const counted = (await get('/v1.0/users?$count=true&$top=5', { eventual: true })).json();
    assert.equal(counted['@odata.count'], 25);
    assert.equal(counted.value.length, 5);
    const ne = `/v1.0/users?$filter=${encodeURIComponent("department ne 'Sales'")}&$count=true`;
    assert.equal(errorCode(await get(ne)), 'Request_UnsupportedQuery');
    assert.equal(errorCode(await get(`/v1.0/users?$filter=${encodeURIComponent("department ne 'Sales'")}`)), 'Request_UnsupportedQuery');
    assert.equal((await get(ne, { eventual: true })).json()['@odata.count'], 12);
    assert.equal((await get('/v1.0/users/$count', { eventual: true })).body, '25');
    assert.equal((await get('/v1.0/users/$count')).statusCode, 400);
  });

  test('POST creates a cloud-only user; PATCH updates it; DELETE moves it to deleted items, restore brings it back', async () => {
    const created = await call({ method: 'POST', url: '/v1.0/users', payload: { accountEnabled: true, displayName: 'Cloud Only', mailNickname: 'cloud', userPrincipalName: 'cloud@corp.test', passwordProfile: { password: 'x-Pa55word!' }, mail: 'cloud@corp.test' } });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id;
    const stored = await f.store.getUser(f.a.tenantId, id);
    assert.equal(stored?.onPremisesSyncEnabled, null);
    assert.equal(stored?.mail, 'cloud@corp.test');
    const again = await call({ method: 'POST', url: '/v1.0/users', payload: { accountEnabled: true, displayName: 'Dup', mailNickname: 'dup', userPrincipalName: 'CLOUD@corp.test', passwordProfile: { password: 'x' } } });
    assert.equal(again.statusCode, 400);
    const missing = await call({ method: 'POST', url: '/v1.0/users', payload: { displayName: 'No UPN' } });
    assert.equal(errorCode(missing), 'Request_BadRequest');
    assert.equal(errorCode(await call({ method: 'POST', url: '/v1.0/users', payload: { accountEnabled: true, displayName: 'x', mailNickname: 'x', userPrincipalName: 'x@corp.test', passwordProfile: { password: 'x' }, onPremisesSamAccountName: 'x' } })), 'Request_BadRequest');

    const patched = await call({ method: 'PATCH', url: `/v1.0/users/${id}`, payload: { jobTitle: 'Tester', displayName: 'Cloud Renamed' } });
    assert.equal(patched.statusCode, 204);
    assert.equal((await f.store.getUser(f.a.tenantId, id))?.displayName, 'Cloud Renamed');

    assert.equal((await call({ method: 'DELETE', url: `/v1.0/users/${id}` })).statusCode, 204);
    assert.equal((await get(`/v1.0/users/${id}`)).statusCode, 404);
    const deleted = (await get('/v1.0/directory/deletedItems/microsoft.graph.user')).json();
    assert.deepEqual(deleted.value.map((u: { id: string }) => u.id), [id]);
    assert.ok(deleted.value[0].deletedDateTime);
    assert.equal((await get(`/v1.0/directory/deletedItems/${id}`)).json()['@odata.type'], '#microsoft.graph.user');
    const restored = await call({ method: 'POST', url: `/v1.0/directory/deletedItems/${id}/restore` });
    assert.equal(restored.statusCode, 200, restored.body);
    assert.equal((await get(`/v1.0/users/${id}`)).json().displayName, 'Cloud Renamed');
    assert.equal((await get('/v1.0/directory/deletedItems/microsoft.graph.user')).json().value.length, 0);
  });

  test('PATCH of a property mastered on premises on a synced user → 400 Request_BadRequest, nothing changes', async () => {
    const synced = users[6]!;
    for (const payload of [{ displayName: 'Cloud edit' }, { accountEnabled: false }, { mail: 'x@y' }, { usageLocation: 'DE', jobTitle: 'x' }]) {
      const response = await call({ method: 'PATCH', url: `/v1.0/users/${synced.id}`, payload });
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.json().error.code, 'Request_BadRequest');
      assert.equal(response.json().error.message, ON_PREMISES_MASTERED_MESSAGE);
    }
    assert.equal((await f.store.getUser(f.a.tenantId, synced.id))?.displayName, synced.displayName);
    // usageLocation is mastered in the cloud even for synced users.
    assert.equal((await call({ method: 'PATCH', url: `/v1.0/users/${synced.id}`, payload: { usageLocation: 'DE' } })).statusCode, 204);
    assert.equal((await f.store.getUser(f.a.tenantId, synced.id))?.usageLocation, 'DE');
    assert.equal((await call({ method: 'DELETE', url: `/v1.0/users/${synced.id}` })).statusCode, 400);
  });

  test('unknown segments answer a Graph 400', async () => {
    const response = await get('/v1.0/nope');
    assert.equal(response.statusCode, 400);
    assert.equal(errorCode(response), 'BadRequest');
  });
});
