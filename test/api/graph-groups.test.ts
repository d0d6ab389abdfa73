/** /v1.0/groups, members (users and nested groups) and deleted groups through fastify inject. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryGroup, DirectoryUser } from '../../src/directory/types.ts';
import { seedUsers, startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

describe('Graph groups API', () => {
  let f: ApiFixture;
  let token: string;
  let users: readonly DirectoryUser[];
  let staff: DirectoryGroup;
  let nested: DirectoryGroup;

  before(async () => {
    f = await startApiFixture();
    token = await tokenFor(f.app, f.a);
    users = await seedUsers(f.store, f.a.tenantId, 30);
    [staff, nested] = await f.store.transaction(async (tx) => {
      const groups = await tx.createGroups(f.a.tenantId, [
        { displayName: 'All Staff', description: 'everyone', onPremisesSyncEnabled: true, onPremisesSamAccountName: 'AllStaff', onPremisesSecurityIdentifier: 'S-1-5-21-1-2-3-5000', sourceAnchor: 'anchor-staff', onPremisesDistinguishedName: 'CN=All Staff,DC=corp,DC=test' },
        { displayName: 'Dept Sales', mailEnabled: true, mail: 'sales@corp.test', mailNickname: 'sales', securityEnabled: false },
      ]);
      await tx.addMembers(f.a.tenantId, [
        ...users.map((u) => ({ groupId: groups[0]!.id, memberId: u.id, memberType: 'user' as const })),
        { groupId: groups[0]!.id, memberId: groups[1]!.id, memberType: 'group' as const },
      ]);
      return groups as [DirectoryGroup, DirectoryGroup];
    });
  });
  after(() => f.close());

  const get = (url: string, headers: Record<string, string> = {}) => f.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...headers } });

  test('groups list and get return the Graph group shape without internal sync keys', async () => {
    const list = (await get('/v1.0/groups')).json();
    assert.match(list['@odata.context'], /#groups$/);
    assert.equal(list.value.length, 2);
    const group = (await get(`/v1.0/groups/${staff.id}`)).json();
    assert.equal(group.displayName, 'All Staff');
    assert.equal(group.securityEnabled, true);
    assert.equal(group.mailEnabled, false);
    assert.deepEqual(group.groupTypes, []);
    assert.equal(group.onPremisesSyncEnabled, true);
    assert.equal(group.onPremisesSecurityIdentifier, 'S-1-5-21-1-2-3-5000');
    assert.equal(group.sourceAnchor, undefined);
    assert.equal(group.onPremisesDistinguishedName, undefined);
    assert.equal((await get(`/v1.0/groups?$filter=${encodeURIComponent("startswith(displayName,'dept')")}`)).json().value[0].id, nested.id);
    assert.equal((await get(`/v1.0/groups?$filter=${encodeURIComponent('mailEnabled eq true')}`)).json().value.length, 1);
    assert.equal((await get('/v1.0/groups/nope')).statusCode, 404);
  });

  test('members carry @odata.type per member and page with nextLink; $count needs ConsistencyLevel', async () => {
    const seen: { id: string; type: string }[] = [];
    let url: string | undefined = `/v1.0/groups/${staff.id}/members?$top=7&$select=id,displayName`;
    let pages = 0;
    while (url) {
      const body: { value: Record<string, string>[]; '@odata.nextLink'?: string } = (await get(url)).json();
      pages += 1;
      for (const m of body.value) seen.push({ id: m.id!, type: m['@odata.type']! });
      url = body['@odata.nextLink']?.replace(/^http:\/\/[^/]+/, '');
    }
    assert.equal(pages, 5);
    assert.equal(seen.length, 31);
    assert.equal(seen.filter((m) => m.type === '#microsoft.graph.user').length, 30);
    assert.deepEqual(seen.filter((m) => m.type === '#microsoft.graph.group').map((m) => m.id), [nested.id]);
    assert.equal((await get(`/v1.0/groups/${staff.id}/members?$count=true`)).json()['@odata.count'], undefined, 'ignored without the header, as Graph does');
    assert.equal((await get(`/v1.0/groups/${staff.id}/members?$count=true&$top=1`, { consistencylevel: 'eventual' })).json()['@odata.count'], 31);
    assert.equal((await get(`/v1.0/groups/${staff.id}/members/$count`, { consistencylevel: 'eventual' })).body, '31');
    const groupMember = (await get(`/v1.0/groups/${staff.id}/members?$select=securityEnabled,userPrincipalName`)).json().value.find((m: { id: string }) => m.id === nested.id);
    assert.deepEqual(groupMember, { '@odata.type': '#microsoft.graph.group', id: nested.id, securityEnabled: false });
    const parents = (await get(`/v1.0/groups/${nested.id}/memberOf`)).json();
    assert.deepEqual(parents.value.map((g: { id: string; '@odata.type': string }) => [g.id, g['@odata.type']]), [[staff.id, '#microsoft.graph.group']]);
  });

  test('deleted members disappear from members and come back on restore; deleted groups are listed', async () => {
    await f.store.transaction((tx) => tx.deleteUsers(f.a.tenantId, [users[0]!.id]));
    assert.equal((await get(`/v1.0/groups/${staff.id}/members/$count`, { consistencylevel: 'eventual' })).body, '30');
    await f.store.transaction((tx) => tx.restoreUsers(f.a.tenantId, [users[0]!.id]));
    assert.equal((await get(`/v1.0/groups/${staff.id}/members/$count`, { consistencylevel: 'eventual' })).body, '31');
    await f.store.transaction((tx) => tx.deleteGroups(f.a.tenantId, [nested.id]));
    assert.equal((await get(`/v1.0/groups/${nested.id}`)).statusCode, 404);
    const deleted = (await get('/v1.0/directory/deletedItems/microsoft.graph.group')).json();
    assert.deepEqual(deleted.value.map((g: { id: string }) => g.id), [nested.id]);
    const restored = await f.app.inject({ method: 'POST', url: `/v1.0/directory/deletedItems/${nested.id}/restore`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(restored.json()['@odata.type'], '#microsoft.graph.group');
    assert.equal((await get(`/v1.0/groups/${nested.id}`)).statusCode, 200);
  });
});
