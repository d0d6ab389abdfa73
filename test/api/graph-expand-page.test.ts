/**
 * $expand on a list page reads memberOf, members and managers for the whole page at once: one
 * store read per navigation, not one per object (before: 30 users with $expand=memberOf were
 * 30 reads). The answers are the same as an entity's own $expand.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryStore } from '../../src/directory/store.ts';
import type { DirectoryUser } from '../../src/directory/types.ts';
import { seedUsers, startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

describe('$expand of a list page', () => {
  let f: ApiFixture;
  let token: string;
  let users: readonly DirectoryUser[];
  let groups: string[];
  const calls: Record<string, number> = {};

  before(async () => {
    f = await startApiFixture();
    token = await tokenFor(f.app, f.a);
    const tenantId = f.a.tenantId;
    users = await seedUsers(f.store, tenantId, 30);
    await f.store.transaction((tx) => tx.updateUsers(tenantId, users.slice(1).map((u) => ({ id: u.id, managerId: users[0]!.id }))));
    groups = (await f.store.transaction(async (tx) => {
      const created = await tx.createGroups(tenantId, [{ displayName: 'Evens' }, { displayName: 'Odds' }, { displayName: 'All' }]);
      const [evens, odds, all] = created.map((g) => g.id) as [string, string, string];
      await tx.addMembers(tenantId, [
        ...users.map((u, i) => ({ groupId: i % 2 === 0 ? evens : odds, memberId: u.id, memberType: 'user' as const })),
        ...users.map((u) => ({ groupId: all, memberId: u.id, memberType: 'user' as const })),
        { groupId: all, memberId: evens, memberType: 'group' },
      ]);
      return created.map((g) => g.id);
    }));
    // Count the store's reads the routes make.
    const store = f.store as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of ['listMemberOf', 'listMemberOfMany', 'listGroupMembers', 'listGroupMembersMany', 'getUser', 'listUsers'] satisfies (keyof DirectoryStore)[]) {
      const original = store[name]!.bind(f.store);
      store[name] = (...args: unknown[]) => {
        calls[name] = (calls[name] ?? 0) + 1;
        return original(...args);
      };
    }
  });
  after(() => f.close());

  const get = async (url: string) => {
    for (const key of Object.keys(calls)) delete calls[key];
    const response = await f.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as { value: Record<string, unknown>[] };
  };

  test('users with $expand=memberOf,manager: one read for the page\'s groups, one for its managers', async () => {
    const page = await get('/v1.0/users?$top=30&$select=id&$expand=memberOf($select=displayName),manager($select=id)');
    assert.equal(page.value.length, 30);
    assert.equal(calls.listMemberOfMany, 1);
    assert.equal(calls.listMemberOf ?? 0, 0);
    assert.equal(calls.getUser ?? 0, 0, 'no manager read per user');
    assert.equal(calls.listUsers, 2, 'the page, and its managers');
    for (const user of page.value) {
      const i = users.findIndex((u) => u.id === user.id);
      const names = (user.memberOf as { displayName: string }[]).map((g) => g.displayName).sort();
      assert.deepEqual(names, ['All', i % 2 === 0 ? 'Evens' : 'Odds']);
      if (i === 0) assert.equal(user.manager, undefined, 'no manager: left out');
      else assert.equal((user.manager as { id: string }).id, users[0]!.id);
    }
  });

  test('groups with $expand=members: one read, at most 20 members each, the same as the entity\'s own', async () => {
    const page = await get('/v1.0/groups?$select=id,displayName&$expand=members($select=id)');
    assert.equal(calls.listGroupMembersMany, 1);
    assert.equal(calls.listGroupMembers ?? 0, 0);
    const byName: Record<string, { id: string; '@odata.type': string }[]> = Object.fromEntries(page.value.map((g) => [g.displayName, g.members]));
    assert.equal(byName.All!.length, 20, 'Graph expands 20');
    assert.equal(byName.Evens!.length, 15);
    assert.ok(byName.All!.every((m) => m['@odata.type'] === '#microsoft.graph.user' || m.id === groups[0]));
    const single = await f.app.inject({ method: 'GET', url: `/v1.0/groups/${groups[2]}?$select=id&$expand=members($select=id)`, headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(single.json().members, byName.All);
  });
});
