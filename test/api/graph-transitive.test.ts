/**
 * transitiveMembers, transitiveMemberOf, directReports and OData type casts (with /$count),
 * through Microsoft's Graph JS SDK with an @azure/identity token; each was a 400 before.
 * Nested groups include a cycle; paging of a transitive list walks every member once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedUsers, tokenFor } from './support/api-fixture.ts';
import { startHttpsApi, type HttpsApi, type SdkAnswer } from './support/https-api.ts';

const EVENTUAL = { ConsistencyLevel: 'eventual' };

describe('Graph transitive memberships, direct reports and type casts', () => {
  let api: HttpsApi;
  let answers: Record<string, SdkAnswer>;
  let userIds: string[];
  let top: string;
  let middle: string;
  let bottom: string;

  before(async () => {
    api = await startHttpsApi();
    const { f } = api;
    const tenantId = f.a.tenantId;
    userIds = (await seedUsers(f.store, tenantId, 30)).map((u) => u.id);
    await f.store.transaction((tx) => tx.updateUsers(tenantId, [1, 2, 3].map((n) => ({ id: userIds[n]!, managerId: userIds[0]! }))));
    [top, middle, bottom] = (await f.store.transaction(async (tx) => {
      const groups = (await tx.createGroups(tenantId, [{ displayName: 'Top' }, { displayName: 'Middle' }, { displayName: 'Bottom' }])).map((g) => g.id);
      const [t, m, b] = groups as [string, string, string];
      await tx.addMembers(tenantId, [
        ...userIds.slice(0, 5).map((id) => ({ groupId: t, memberId: id, memberType: 'user' as const })),
        { groupId: t, memberId: m, memberType: 'group' },
        ...userIds.slice(3, 15).map((id) => ({ groupId: m, memberId: id, memberType: 'user' as const })),
        { groupId: m, memberId: b, memberType: 'group' },
        ...userIds.slice(15, 25).map((id) => ({ groupId: b, memberId: id, memberType: 'user' as const })),
        { groupId: b, memberId: t, memberType: 'group' },
      ]);
      return groups;
    })) as [string, string, string];
    answers = await api.sdk([
      { name: 'transitive', path: `/groups/${top}/transitiveMembers?$select=id&$top=999` },
      { name: 'transitiveUsers', path: `/groups/${top}/transitiveMembers/microsoft.graph.user?$select=id,displayName&$top=999` },
      { name: 'transitiveGroups', path: `/groups/${top}/transitiveMembers/microsoft.graph.group?$select=id,displayName` },
      { name: 'transitiveCount', path: `/groups/${top}/transitiveMembers/$count`, headers: EVENTUAL },
      { name: 'transitiveUserCount', path: `/groups/${top}/transitiveMembers/microsoft.graph.user/$count`, headers: EVENTUAL },
      { name: 'transitiveCountPlain', path: `/groups/${top}/transitiveMembers/$count` },
      { name: 'membersUsers', path: `/groups/${top}/members/microsoft.graph.user?$select=id&$count=true`, headers: EVENTUAL },
      { name: 'membersGroups', path: `/groups/${top}/members/microsoft.graph.group?$select=displayName` },
      { name: 'userTransitiveMemberOf', path: `/users/${userIds[20]}/transitiveMemberOf?$select=displayName` },
      { name: 'userTransitiveMemberOfCast', path: `/users/${userIds[20]}/transitiveMemberOf/microsoft.graph.group?$select=displayName` },
      { name: 'userMemberOf', path: `/users/${userIds[20]}/memberOf/microsoft.graph.group?$select=displayName` },
      { name: 'groupTransitiveMemberOf', path: `/groups/${bottom}/transitiveMemberOf?$select=displayName` },
      { name: 'directReports', path: `/users/${userIds[0]}/directReports?$select=id` },
      { name: 'directReportsCast', path: `/users/user0000@corp.test/directReports/microsoft.graph.user?$select=id&$count=true`, headers: EVENTUAL },
      { name: 'noReports', path: `/users/${userIds[1]}/directReports` },
    ]);
  });
  after(() => api.close());

  const ids = (name: string) => (answers[name]!.body.value as { id: string }[]).map((o) => o.id).sort();
  const names = (name: string) => (answers[name]!.body.value as { displayName: string }[]).map((o) => o.displayName).sort();

  test('transitiveMembers: every user and nested group once, the cycle back to the group left out', () => {
    const users = userIds.slice(0, 25);
    assert.deepEqual(ids('transitive'), [...users, middle, bottom].sort());
    assert.deepEqual(ids('transitiveUsers'), [...users].sort());
    assert.ok((answers.transitiveUsers!.body.value as { '@odata.type': string }[]).every((u) => u['@odata.type'] === '#microsoft.graph.user'));
    assert.deepEqual(names('transitiveGroups'), ['Bottom', 'Middle']);
    assert.equal(String(answers.transitiveCount!.body), '27');
    assert.equal(String(answers.transitiveUserCount!.body), '25');
    assert.equal(answers.transitiveCountPlain!.status, 400);
  });

  test('a transitive list pages with nextLink, each member once', async () => {
    const token = await tokenFor(api.f.app, api.f.a);
    const seen: string[] = [];
    let next: string | undefined = `/v1.0/groups/${top}/transitiveMembers?$top=4&$select=id`;
    while (next) {
      const page: { value: { id: string }[]; '@odata.nextLink'?: string } = (await api.f.app.inject({ method: 'GET', url: next.replace(/^https:\/\/[^/]+/, ''), headers: { authorization: `Bearer ${token}` } })).json();
      seen.push(...page.value.map((m) => m.id));
      next = page['@odata.nextLink'];
    }
    assert.equal(seen.length, 27);
    assert.equal(new Set(seen).size, 27);
  });

  test('members cast to users or groups, counted with the header', () => {
    assert.deepEqual(ids('membersUsers'), userIds.slice(0, 5).sort());
    assert.equal(answers.membersUsers!.body['@odata.count'], 5);
    assert.deepEqual(names('membersGroups'), ['Middle']);
  });

  test('transitiveMemberOf of a user and of a group, and memberOf cast to groups', () => {
    assert.deepEqual(names('userTransitiveMemberOf'), ['Bottom', 'Middle', 'Top']);
    assert.deepEqual(names('userTransitiveMemberOfCast'), ['Bottom', 'Middle', 'Top']);
    assert.deepEqual(names('userMemberOf'), ['Bottom']);
    assert.deepEqual(names('groupTransitiveMemberOf'), ['Middle', 'Top']);
  });

  test('directReports by id or UPN, cast and counted; none is an empty list', () => {
    assert.deepEqual(ids('directReports'), userIds.slice(1, 4).sort());
    assert.deepEqual(ids('directReportsCast'), userIds.slice(1, 4).sort());
    assert.equal(answers.directReportsCast!.body['@odata.count'], 3);
    assert.deepEqual(answers.noReports!.body.value, []);
  });
});
