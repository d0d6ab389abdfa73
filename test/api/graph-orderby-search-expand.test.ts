/**
 * $orderby, $search and $expand as Graph takes them, through Microsoft's Graph JS SDK with
 * an @azure/identity token (each was a 400 before): $orderby=displayName / userPrincipalName
 * (asc, desc) keyset-paged; with $filter only as an advanced query; $search="displayName:x"
 * tokenized, only with ConsistencyLevel: eventual; $expand of manager (with a nested
 * $select), memberOf, directReports and members, an expanded collection capped at 20.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenFor } from './support/api-fixture.ts';
import { startHttpsApi, type HttpsApi, type SdkAnswer } from './support/https-api.ts';

const EVENTUAL = { ConsistencyLevel: 'eventual' };
const PEOPLE = ['Grace Hopper', 'ada Lovelace', 'Alan Turing', 'Barbara Liskov', 'Ada King', 'edsger Dijkstra', 'Donald Knuth', 'Katherine Johnson'];

describe('Graph $orderby, $search and $expand', () => {
  let api: HttpsApi;
  let answers: Record<string, SdkAnswer>;
  const idOf = new Map<string, string>();
  let big: string;
  let small: string;

  before(async () => {
    api = await startHttpsApi();
    const { f } = api;
    const tenantId = f.a.tenantId;
    const users = await f.store.transaction((tx) => tx.createUsers(tenantId, [
      ...PEOPLE.map((name) => ({ userPrincipalName: `${name.split(' ')[1]!.toLowerCase()}@corp.test`, displayName: name, mail: `${name.toLowerCase().replace(' ', '.')}@corp.test` })),
      ...Array.from({ length: 25 }, (_, n) => ({ userPrincipalName: `member${String(n).padStart(2, '0')}@corp.test`, displayName: `Member ${String(n).padStart(2, '0')}` })),
    ]));
    for (const user of users) idOf.set(user.displayName!, user.id);
    const grace = idOf.get('Grace Hopper')!;
    await f.store.transaction((tx) => tx.updateUsers(tenantId, ['ada Lovelace', 'Alan Turing'].map((name) => ({ id: idOf.get(name)!, managerId: grace }))));
    [big, small] = await f.store.transaction(async (tx) => {
      const [bigGroup, smallGroup] = await tx.createGroups(tenantId, [{ displayName: 'All Members', description: 'everyone' }, { displayName: 'Pioneers', description: 'computing pioneers' }]);
      await tx.addMembers(tenantId, [
        ...users.filter((u) => u.displayName!.startsWith('Member')).map((u) => ({ groupId: bigGroup!.id, memberId: u.id, memberType: 'user' as const })),
        { groupId: smallGroup!.id, memberId: grace, memberType: 'user' },
        { groupId: bigGroup!.id, memberId: smallGroup!.id, memberType: 'group' },
      ]);
      return [bigGroup!.id, smallGroup!.id];
    });
    answers = await api.sdk([
      { name: 'orderAsc', path: '/users?$orderby=displayName&$select=displayName&$top=5' },
      { name: 'orderDesc', path: '/users?$orderby=userPrincipalName desc&$select=userPrincipalName&$top=3' },
      { name: 'orderFilterPlain', path: "/users?$orderby=displayName&$filter=startswith(displayName,'a')" },
      { name: 'orderFilter', path: "/users?$orderby=displayName desc&$filter=startswith(displayName,'a')&$count=true&$select=displayName", headers: EVENTUAL },
      { name: 'orderUnsupported', path: '/users?$orderby=jobTitle' },
      { name: 'orderGroups', path: '/groups?$orderby=displayName desc&$select=displayName' },
      { name: 'searchPlain', path: '/users?$search="displayName:ada"' },
      { name: 'search', path: '/users?$search="displayName:ada"&$select=displayName', headers: EVENTUAL },
      { name: 'searchOr', path: '/users?$search="displayName:knuth" OR "mail:hopper"&$select=displayName&$count=true', headers: EVENTUAL },
      { name: 'searchAnd', path: '/users?$search="displayName:ada" AND "mail:lovelace"&$select=displayName', headers: EVENTUAL },
      { name: 'searchGroups', path: '/groups?$search="description:pioneer"&$select=displayName', headers: EVENTUAL },
      { name: 'searchBad', path: '/users?$search=ada', headers: EVENTUAL },
      { name: 'expandManager', path: `/users/${idOf.get('ada Lovelace')}?$select=id,displayName&$expand=manager($select=id,displayName)` },
      { name: 'expandNoManager', path: `/users/${grace}?$select=id&$expand=manager,directReports($select=displayName),memberOf($select=displayName)` },
      { name: 'expandList', path: "/users?$filter=startswith(displayName,'a')&$select=displayName&$expand=manager($select=displayName)" },
      { name: 'expandMembers', path: `/groups/${big}?$select=displayName&$expand=members($select=id)` },
      { name: 'expandGroupMemberOf', path: `/groups?$filter=displayName eq 'Pioneers'&$select=displayName&$expand=memberOf($select=displayName),members($select=displayName)` },
      { name: 'expandUnknown', path: '/users?$expand=owners' },
    ]);
  });
  after(() => api.close());

  const names = (name: string, key = 'displayName') => answers[name]!.body.value.map((o: Record<string, string>) => o[key]);

  test('$orderby=displayName sorts without case and pages on with nextLink; desc and userPrincipalName too', async () => {
    assert.deepEqual(names('orderAsc'), ['Ada King', 'ada Lovelace', 'Alan Turing', 'Barbara Liskov', 'Donald Knuth']);
    assert.match(answers.orderAsc!.body['@odata.nextLink'], /\$orderby=displayName/);
    assert.deepEqual(names('orderDesc', 'userPrincipalName'), ['turing@corp.test', 'member24@corp.test', 'member23@corp.test']);
    assert.deepEqual(names('orderGroups'), ['Pioneers', 'All Members']);
    // Every page follows on from the one before, across the whole sorted list.
    const token = await tokenFor(api.f.app, api.f.a);
    const seen: string[] = [];
    let next: string | undefined = '/v1.0/users?$orderby=displayName&$select=displayName&$top=4';
    while (next) {
      const page: { value: { displayName: string }[]; '@odata.nextLink'?: string } = (await api.f.app.inject({ method: 'GET', url: next.replace(/^https:\/\/[^/]+/, ''), headers: { authorization: `Bearer ${token}` } })).json();
      seen.push(...page.value.map((u) => u.displayName));
      next = page['@odata.nextLink'];
    }
    assert.equal(seen.length, PEOPLE.length + 25);
    assert.deepEqual(seen, [...seen].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  });

  test('$orderby with $filter is an advanced query; other properties are not sortable', () => {
    assert.equal(answers.orderFilterPlain!.code, 'Request_UnsupportedQuery');
    assert.deepEqual(names('orderFilter'), ['Alan Turing', 'ada Lovelace', 'Ada King']);
    assert.equal(answers.orderUnsupported!.code, 'Request_UnsupportedQuery');
  });

  test('$search needs ConsistencyLevel; it matches words that start with the text, joined by OR / AND', () => {
    assert.equal(answers.searchPlain!.code, 'Request_UnsupportedQuery');
    assert.match(answers.searchPlain!.message!, /ConsistencyLevel: eventual/);
    assert.deepEqual(names('search').sort(), ['Ada King', 'ada Lovelace']);
    assert.deepEqual(names('searchOr').sort(), ['Donald Knuth', 'Grace Hopper']);
    assert.equal(answers.searchOr!.body['@odata.count'], 2);
    assert.deepEqual(names('searchAnd'), ['ada Lovelace']);
    assert.deepEqual(names('searchGroups'), ['Pioneers']);
    assert.equal(answers.searchBad!.code, 'BadRequest');
  });

  test('$expand=manager with a nested $select; no manager leaves the property out; directReports and memberOf', () => {
    const { '@odata.context': _c, ...ada } = answers.expandManager!.body;
    assert.deepEqual(ada, {
      id: idOf.get('ada Lovelace'), displayName: 'ada Lovelace',
      manager: { '@odata.type': '#microsoft.graph.user', id: idOf.get('Grace Hopper'), displayName: 'Grace Hopper' },
    });
    const grace = answers.expandNoManager!.body;
    assert.equal('manager' in grace, false);
    assert.deepEqual(grace.directReports.map((u: { displayName: string }) => u.displayName).sort(), ['Alan Turing', 'ada Lovelace']);
    assert.deepEqual(grace.memberOf.map((g: { displayName: string }) => g.displayName), ['Pioneers']);
    const list = answers.expandList!.body.value as { displayName: string; manager?: { displayName: string } }[];
    assert.deepEqual(list.map((u) => [u.displayName, u.manager?.displayName ?? null]).sort(), [['Ada King', null], ['Alan Turing', 'Grace Hopper'], ['ada Lovelace', 'Grace Hopper']]);
  });

  test('$expand=members holds at most 20 objects, as Graph; groups expand memberOf and members', () => {
    const members = answers.expandMembers!.body.members as { '@odata.type': string }[];
    assert.equal(members.length, 20, 'the group has 26 members; Graph expands 20');
    const [pioneers] = answers.expandGroupMemberOf!.body.value;
    assert.deepEqual(pioneers.memberOf, [{ '@odata.type': '#microsoft.graph.group', id: big, displayName: 'All Members' }]);
    assert.deepEqual(pioneers.members, [{ '@odata.type': '#microsoft.graph.user', id: idOf.get('Grace Hopper'), displayName: 'Grace Hopper' }]);
    assert.equal(pioneers.id, small);
    assert.equal(answers.expandUnknown!.code, 'BadRequest');
  });
});
