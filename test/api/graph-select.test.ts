/**
 * $select of every ordinary Graph v1.0 property, through Microsoft's Graph JS SDK with an
 * @azure/identity token: properties Canopy does not store answer null ([] for a collection,
 * userType "Member", onPremisesExtensionAttributes with its 15 keys), as Graph answers for an
 * object that has no value; a name Graph does not have is Graph's 400. Before, userType,
 * employeeType, onPremisesExtensionAttributes and a service principal's appRoles were 400s.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedUsers } from './support/api-fixture.ts';
import { startHttpsApi, type HttpsApi, type SdkAnswer } from './support/https-api.ts';

describe('Graph $select of unstored v1.0 properties', () => {
  let api: HttpsApi;
  let answers: Record<string, SdkAnswer>;
  let userId: string;
  let groupId: string;

  before(async () => {
    api = await startHttpsApi();
    const { f } = api;
    const users = await seedUsers(f.store, f.a.tenantId, 3);
    userId = users[0]!.id;
    groupId = await f.store.transaction(async (tx) => {
      const [group] = await tx.createGroups(f.a.tenantId, [{ displayName: 'Sales', onPremisesSyncEnabled: true }]);
      await tx.addMembers(f.a.tenantId, [{ groupId: group!.id, memberId: userId, memberType: 'user' }]);
      return group!.id;
    });
    answers = await api.sdk([
      { name: 'user', path: `/users/${userId}?$select=id,displayName,userType,employeeType,onPremisesExtensionAttributes,otherMails,identities,accountEnabled,creationType` },
      { name: 'usersList', path: '/users?$select=USERTYPE,employeeHireDate,displayName&$top=2' },
      { name: 'group', path: `/groups/${groupId}?$select=displayName,visibility,isAssignableToRole,resourceProvisioningOptions,securityEnabled` },
      { name: 'members', path: `/groups/${groupId}/members?$select=id,userType,visibility,displayName` },
      { name: 'servicePrincipal', path: `/servicePrincipals/${f.a.servicePrincipalId}?$select=id,accountEnabled,appRoles,keyCredentials,verifiedPublisher,appDisplayName` },
      { name: 'unknownUser', path: '/users?$select=displayName,notAGraphProperty' },
      { name: 'unknownGroup', path: `/groups/${groupId}?$select=userPrincipalName` },
    ]);
  });
  after(() => api.close());

  test('a user answers unstored properties as Graph does for an object without a value', () => {
    const { status, body } = answers.user!;
    assert.equal(status, 200);
    const { '@odata.context': context, ...user } = body;
    assert.match(context, /#users\(id,displayName,userType,employeeType,onPremisesExtensionAttributes,otherMails,identities,accountEnabled,creationType\)\/\$entity$/);
    const extension = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`extensionAttribute${i + 1}`, null]));
    assert.deepEqual(user, {
      id: userId, displayName: 'User 0000', userType: 'Member', employeeType: null, onPremisesExtensionAttributes: extension,
      otherMails: [], identities: [], accountEnabled: false, creationType: null,
    });
  });

  test('names are matched without case and answered in Graph spelling, on lists too', () => {
    const { status, body } = answers.usersList!;
    assert.equal(status, 200);
    assert.equal(body.value.length, 2);
    for (const user of body.value) assert.deepEqual(Object.keys(user).sort(), ['displayName', 'employeeHireDate', 'id', 'userType']);
    assert.ok(body.value.every((u: { userType: string }) => u.userType === 'Member'));
  });

  test('groups, members of either type and service principals', () => {
    const { '@odata.context': _g, ...group } = answers.group!.body;
    assert.deepEqual(group, { id: groupId, displayName: 'Sales', visibility: null, isAssignableToRole: null, resourceProvisioningOptions: [], securityEnabled: true });
    assert.deepEqual(answers.members!.body.value, [{ '@odata.type': '#microsoft.graph.user', id: userId, userType: 'Member', displayName: 'User 0000' }]);
    const { '@odata.context': _s, ...sp } = answers.servicePrincipal!.body;
    assert.deepEqual(sp, { id: api.f.a.servicePrincipalId, accountEnabled: true, appRoles: [], keyCredentials: [], verifiedPublisher: null, appDisplayName: sp.appDisplayName });
    assert.equal(typeof sp.appDisplayName, 'string');
  });

  test("a name that is no Graph property of the type is Graph's 400", () => {
    for (const name of ['unknownUser', 'unknownGroup']) {
      assert.equal(answers[name]!.status, 400, name);
      assert.equal(answers[name]!.code, 'BadRequest');
      assert.match(answers[name]!.message!, /Could not find a property named '(notAGraphProperty|userPrincipalName)' on type 'microsoft\.graph\.(user|group)'/);
    }
  });
});
