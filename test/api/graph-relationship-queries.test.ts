/**
 * Advanced queries on relationships through Microsoft's Graph JS SDK with an @azure/identity
 * token: $count on memberOf and transitiveMemberOf (parameter and segment), $filter on
 * members, transitiveMembers, memberOf and directReports (only with ConsistencyLevel: eventual
 * and $count=true, as on Graph), and $expand refused in an advanced query as Graph refuses it.
 * Before, $count on memberOf answered 400, $filter on a member list answered 400, and $expand
 * was taken beside $count=true.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryUser } from '../../src/directory/types.ts';
import { seedUsers } from './support/api-fixture.ts';
import { startHttpsApi, type HttpsApi, type SdkAnswer } from './support/https-api.ts';

const EVENTUAL = { ConsistencyLevel: 'eventual' };
const q = (text: string) => encodeURIComponent(text);

describe('Graph advanced queries on relationships', () => {
  let api: HttpsApi;
  let answers: Record<string, SdkAnswer>;
  let u: DirectoryUser[];
  let alpha: string;
  let beta: string;

  before(async () => {
    api = await startHttpsApi();
    const { f } = api;
    const tenantId = f.a.tenantId;
    u = [...await seedUsers(f.store, tenantId, 6)];
    await f.store.transaction((tx) => tx.updateUsers(tenantId, [1, 2, 3].map((n) => ({ id: u[n]!.id, managerId: u[0]!.id }))));
    [alpha, beta] = (await f.store.transaction(async (tx) => {
      const groups = (await tx.createGroups(tenantId, [{ displayName: 'Alpha' }, { displayName: 'Beta' }, { displayName: 'Gamma' }])).map((g) => g.id);
      const [a, b, g] = groups as [string, string, string];
      await tx.addMembers(tenantId, [
        { groupId: a, memberId: u[0]!.id, memberType: 'user' },
        { groupId: a, memberId: u[1]!.id, memberType: 'user' },
        { groupId: a, memberId: b, memberType: 'group' },
        { groupId: b, memberId: u[2]!.id, memberType: 'user' },
        { groupId: b, memberId: u[3]!.id, memberType: 'user' },
        { groupId: g, memberId: u[0]!.id, memberType: 'user' },
      ]);
      return groups;
    })) as [string, string];
    answers = await api.sdk([
      { name: 'memberOfCount', path: `/users/${u[0]!.id}/memberOf?$count=true&$select=displayName`, headers: EVENTUAL },
      { name: 'memberOfCountIgnored', path: `/users/${u[0]!.id}/memberOf?$count=true&$select=displayName` },
      { name: 'memberOfSegment', path: `/users/${u[0]!.id}/memberOf/$count`, headers: EVENTUAL },
      { name: 'memberOfSegmentNoHeader', path: `/users/${u[0]!.id}/memberOf/$count` },
      { name: 'transitiveSegment', path: `/users/${u[2]!.id}/transitiveMemberOf/microsoft.graph.group/$count`, headers: EVENTUAL },
      { name: 'transitiveCount', path: `/users/${u[2]!.id}/transitiveMemberOf?$count=true&$select=displayName`, headers: EVENTUAL },
      { name: 'groupTransitiveCount', path: `/groups/${beta}/transitiveMemberOf/microsoft.graph.group?$count=true&$select=displayName`, headers: EVENTUAL },
      { name: 'groupMemberOfSegment', path: `/groups/${beta}/memberOf/$count`, headers: EVENTUAL },
      { name: 'memberOfFilter', path: `/users/${u[0]!.id}/memberOf?$count=true&$filter=${q("startswith(displayName,'al')")}&$select=displayName`, headers: EVENTUAL },
      { name: 'memberOfFilterNoHeader', path: `/users/${u[0]!.id}/memberOf?$filter=${q("startswith(displayName,'al')")}` },
      { name: 'memberOfFilterSegment', path: `/users/${u[2]!.id}/transitiveMemberOf/$count?$filter=${q("displayName eq 'Alpha'")}`, headers: EVENTUAL },
      { name: 'membersFilter', path: `/groups/${alpha}/members?$count=true&$filter=${q(`displayName in ('Beta','${u[1]!.displayName}')`)}&$select=id`, headers: EVENTUAL },
      { name: 'membersUpnFilter', path: `/groups/${alpha}/transitiveMembers/microsoft.graph.user?$count=true&$filter=${q(`startswith(userPrincipalName,'${u[3]!.userPrincipalName!.slice(0, 8)}')`)}&$select=id`, headers: EVENTUAL },
      { name: 'membersGroupFilter', path: `/groups/${alpha}/members/microsoft.graph.group?$count=true&$filter=${q("startswith(displayName,'b')")}&$select=displayName`, headers: EVENTUAL },
      { name: 'membersFilterSegment', path: `/groups/${alpha}/transitiveMembers/$count?$filter=${q("department eq 'Sales'")}`, headers: EVENTUAL },
      { name: 'membersFilterNoCount', path: `/groups/${alpha}/members?$filter=${q("startswith(displayName,'b')")}`, headers: EVENTUAL },
      { name: 'membersBadProperty', path: `/groups/${alpha}/members?$count=true&$filter=${q("favouriteColour eq 'green'")}`, headers: EVENTUAL },
      { name: 'directReportsFilter', path: `/users/${u[0]!.id}/directReports?$count=true&$filter=${q(`displayName eq '${u[2]!.displayName}'`)}&$select=id`, headers: EVENTUAL },
      { name: 'expandWithCount', path: '/users?$count=true&$expand=manager', headers: EVENTUAL },
      { name: 'expandWithSearch', path: `/users?$search=${q('"displayName:User"')}&$expand=manager`, headers: EVENTUAL },
      { name: 'expandGroupsWithCount', path: '/groups?$count=true&$expand=members', headers: EVENTUAL },
      { name: 'expandPlain', path: `/users?$filter=${q(`id eq '${u[1]!.id}'`)}&$select=id&$expand=manager($select=id)` },
      { name: 'expandHeaderOnly', path: `/users?$filter=${q(`id eq '${u[1]!.id}'`)}&$select=id&$expand=manager($select=id)`, headers: EVENTUAL },
    ]);
  });
  after(() => api.close());

  const ids = (name: string) => (answers[name]!.body.value as { id: string }[]).map((o) => o.id).sort();
  const names = (name: string) => (answers[name]!.body.value as { displayName: string }[]).map((o) => o.displayName).sort();
  const ok = (name: string) => {
    assert.equal(answers[name]!.status, 200, `${name}: ${JSON.stringify(answers[name])}`);
    return answers[name]!.body;
  };

  test('$count on memberOf and transitiveMemberOf: the parameter with ConsistencyLevel, and the /$count segment', () => {
    assert.equal(ok('memberOfCount')['@odata.count'], 2);
    assert.deepEqual(names('memberOfCount'), ['Alpha', 'Gamma']);
    assert.equal(ok('memberOfCountIgnored')['@odata.count'], undefined, 'ignored without the header, as Graph does');
    assert.equal(String(answers.memberOfSegment!.body), '2');
    assert.equal(answers.memberOfSegmentNoHeader!.status, 400);
    assert.equal(answers.memberOfSegmentNoHeader!.code, 'Request_BadRequest');
    assert.equal(String(answers.transitiveSegment!.body), '2');
    assert.equal(ok('transitiveCount')['@odata.count'], 2);
    assert.deepEqual(names('transitiveCount'), ['Alpha', 'Beta']);
    assert.equal(ok('groupTransitiveCount')['@odata.count'], 1);
    assert.equal(String(answers.groupMemberOfSegment!.body), '1');
  });

  test('$filter on memberOf, members, transitiveMembers and directReports, as an advanced query', () => {
    assert.deepEqual(names('memberOfFilter'), ['Alpha']);
    assert.equal(ok('memberOfFilter')['@odata.count'], 1);
    assert.equal(answers.memberOfFilterNoHeader!.status, 400);
    assert.equal(answers.memberOfFilterNoHeader!.code, 'Request_UnsupportedQuery');
    assert.equal(String(answers.memberOfFilterSegment!.body), '1');
    assert.deepEqual(ids('membersFilter'), [u[1]!.id, beta].sort(), 'users and groups each by their own displayName');
    assert.equal(ok('membersFilter')['@odata.count'], 2);
    assert.deepEqual(ids('membersUpnFilter'), [u[3]!.id]);
    assert.deepEqual(names('membersGroupFilter'), ['Beta']);
    // Alpha's transitive members: u0 and u2 are in Sales (even numbers), u1 and u3 not; Beta is a group.
    assert.equal(String(answers.membersFilterSegment!.body), '2');
    assert.equal(answers.membersFilterNoCount!.status, 400, 'the header without $count=true is not an advanced query');
    assert.equal(answers.membersFilterNoCount!.code, 'Request_UnsupportedQuery');
    assert.equal(answers.membersBadProperty!.status, 400);
    assert.deepEqual(ids('directReportsFilter'), [u[2]!.id]);
    assert.equal(ok('directReportsFilter')['@odata.count'], 1);
  });

  test('$expand is refused in an advanced query ($count=true with ConsistencyLevel, or $search) and taken otherwise', () => {
    for (const name of ['expandWithCount', 'expandWithSearch', 'expandGroupsWithCount']) {
      assert.equal(answers[name]!.status, 400, `${name}: ${JSON.stringify(answers[name])}`);
      assert.equal(answers[name]!.code, 'Request_UnsupportedQuery', name);
      assert.match(answers[name]!.message!, /\$expand is not supported with advanced queries/);
    }
    assert.equal(ok('expandPlain').value[0].manager.id, u[0]!.id);
    assert.equal(ok('expandHeaderOnly').value[0].manager.id, u[0]!.id, 'the header alone is not an advanced query');
  });
});
