/**
 * Cloud-only groups written through Microsoft's Graph JS SDK with an @azure/identity token:
 * POST /groups (with members@odata.bind), PATCH, DELETE, members/$ref add and remove, with
 * Graph's error bodies for bad input; a group synced from AD refuses every write with Graph's
 * on-premises-mastered 400. Before, each of these requests answered 405.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryGroup, DirectoryUser } from '../../src/directory/types.ts';
import { seedUsers } from './support/api-fixture.ts';
import { startHttpsApi, type HttpsApi, type SdkAnswer, type SdkRequest } from './support/https-api.ts';

const MASTERED = /^Unable to update the specified properties for on-premises mastered Directory Sync objects/;
const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
const securityGroup = (name: string, extra: Record<string, unknown> = {}) => ({ displayName: name, mailEnabled: false, mailNickname: name.replace(/\W/g, ''), securityEnabled: true, ...extra });

describe('Graph cloud-only group writes', () => {
  let api: HttpsApi;
  let answers: Record<string, SdkAnswer>;
  let users: readonly DirectoryUser[];
  let cloudUser: DirectoryUser;
  let synced: DirectoryGroup;

  before(async () => {
    api = await startHttpsApi();
    const { f } = api;
    const tenantId = f.a.tenantId;
    users = await seedUsers(f.store, tenantId, 3);
    [cloudUser] = await f.store.transaction((tx) => tx.createUsers(tenantId, [{ userPrincipalName: 'cloud@corp.test', displayName: 'Cloud User', accountEnabled: true }])) as [DirectoryUser];
    [synced] = await f.store.transaction(async (tx) => {
      const groups = await tx.createGroups(tenantId, [{ displayName: 'Synced', onPremisesSyncEnabled: true, sourceAnchor: 'anchor-synced', onPremisesSecurityIdentifier: 'S-1-5-21-1-2-3-4000' }]);
      await tx.addMembers(tenantId, [{ groupId: groups[0]!.id, memberId: users[0]!.id, memberType: 'user' }]);
      return groups;
    }) as [DirectoryGroup];
    const requests: SdkRequest[] = [
      { name: 'create', method: 'POST', path: '/groups', body: securityGroup('Project X', { description: 'the project' }) },
      { name: 'createWithMembers', method: 'POST', path: '/groups', body: securityGroup('Bound', { 'members@odata.bind': [`https://graph.microsoft.com/v1.0/users/${users[1]!.id}`, ref(cloudUser.id)['@odata.id']] }) },
      { name: 'boundMembers', path: '/groups/{{createWithMembers.id}}/members?$select=id' },
      { name: 'patch', method: 'PATCH', path: '/groups/{{create.id}}', body: { displayName: 'Project Y', description: null, mailNickname: 'projecty' } },
      { name: 'afterPatch', path: '/groups/{{create.id}}?$select=id,displayName,description,mailNickname,securityEnabled,mailEnabled,groupTypes,onPremisesSyncEnabled' },
      { name: 'addUser', method: 'POST', path: '/groups/{{create.id}}/members/$ref', body: ref(users[2]!.id) },
      { name: 'addCloudUser', method: 'POST', path: '/groups/{{create.id}}/members/$ref', body: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${cloudUser.id}` } },
      { name: 'addSyncedGroup', method: 'POST', path: '/groups/{{create.id}}/members/$ref', body: ref(synced.id) },
      { name: 'addAgain', method: 'POST', path: '/groups/{{create.id}}/members/$ref', body: ref(users[2]!.id) },
      { name: 'addUnknown', method: 'POST', path: '/groups/{{create.id}}/members/$ref', body: ref('00000000-0000-0000-0000-000000000000') },
      { name: 'addBadReference', method: 'POST', path: '/groups/{{create.id}}/members/$ref', body: { '@odata.id': 'not a url' } },
      { name: 'addNoBody', method: 'POST', path: '/groups/{{create.id}}/members/$ref', body: {} },
      { name: 'addSelf', method: 'POST', path: '/groups/{{create.id}}/members/$ref', body: ref('{{create.id}}') },
      { name: 'addGroupAsUser', method: 'POST', path: '/groups/{{create.id}}/members/$ref', body: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${synced.id}` } },
      { name: 'members', path: '/groups/{{create.id}}/members?$select=id' },
      { name: 'userMemberOf', path: `/users/${users[2]!.id}/memberOf?$select=id,displayName` },
      { name: 'remove', method: 'DELETE', path: `/groups/{{create.id}}/members/${users[2]!.id}/$ref` },
      { name: 'removeAgain', method: 'DELETE', path: `/groups/{{create.id}}/members/${users[2]!.id}/$ref` },
      { name: 'membersAfterRemove', path: '/groups/{{create.id}}/members?$select=id' },
      // Bad bodies.
      { name: 'mailEnabled', method: 'POST', path: '/groups', body: securityGroup('Mail', { mailEnabled: true }) },
      { name: 'notSecurity', method: 'POST', path: '/groups', body: securityGroup('Distribution', { securityEnabled: false }) },
      { name: 'unified', method: 'POST', path: '/groups', body: securityGroup('M365', { mailEnabled: true, securityEnabled: false, groupTypes: ['Unified'] }) },
      { name: 'dynamic', method: 'POST', path: '/groups', body: securityGroup('Dynamic', { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"' }) },
      { name: 'noNickname', method: 'POST', path: '/groups', body: { displayName: 'No nickname', mailEnabled: false, securityEnabled: true } },
      { name: 'badNickname', method: 'POST', path: '/groups', body: securityGroup('Bad', { mailNickname: 'has space' }) },
      { name: 'wrongType', method: 'POST', path: '/groups', body: securityGroup('Wrong', { securityEnabled: 'yes' }) },
      { name: 'readOnly', method: 'POST', path: '/groups', body: securityGroup('ReadOnly', { mail: 'x@corp.test' }) },
      { name: 'unknownProperty', method: 'POST', path: '/groups', body: securityGroup('Unknown', { favouriteColour: 'green' }) },
      { name: 'unstored', method: 'POST', path: '/groups', body: securityGroup('Unstored', { visibility: 'Private' }) },
      { name: 'owners', method: 'POST', path: '/groups', body: securityGroup('Owned', { 'owners@odata.bind': [ref(users[0]!.id)['@odata.id']] }) },
      { name: 'boundUnknown', method: 'POST', path: '/groups', body: securityGroup('BoundUnknown', { 'members@odata.bind': [ref('11111111-1111-1111-1111-111111111111')['@odata.id']] }) },
      { name: 'patchMailEnabled', method: 'PATCH', path: '/groups/{{create.id}}', body: { mailEnabled: true } },
      { name: 'patchEmptyName', method: 'PATCH', path: '/groups/{{create.id}}', body: { displayName: '' } },
      { name: 'patchUnknownGroup', method: 'PATCH', path: '/groups/22222222-2222-2222-2222-222222222222', body: { displayName: 'x' } },
      // The synced group is mastered in AD.
      { name: 'syncedPatch', method: 'PATCH', path: `/groups/${synced.id}`, body: { description: 'cloud edit' } },
      { name: 'syncedDelete', method: 'DELETE', path: `/groups/${synced.id}` },
      { name: 'syncedAdd', method: 'POST', path: `/groups/${synced.id}/members/$ref`, body: ref(cloudUser.id) },
      { name: 'syncedRemove', method: 'DELETE', path: `/groups/${synced.id}/members/${users[0]!.id}/$ref` },
      { name: 'syncedMembers', path: `/groups/${synced.id}/members?$select=id` },
      { name: 'syncedAfter', path: `/groups/${synced.id}?$select=displayName,description` },
      // Delete: to deleted items.
      { name: 'delete', method: 'DELETE', path: '/groups/{{create.id}}' },
      { name: 'getDeleted', path: '/groups/{{create.id}}' },
      { name: 'deleteAgain', method: 'DELETE', path: '/groups/{{create.id}}' },
      { name: 'deletedItems', path: '/directory/deletedItems/microsoft.graph.group?$select=id,displayName' },
      { name: 'list', path: '/groups?$select=id,displayName' },
    ];
    answers = await api.sdk(requests);
  });
  after(() => api.close());

  const ids = (name: string) => (answers[name]!.body.value as { id: string }[]).map((o) => o.id).sort();
  const refused = (name: string, status: number, code: string, message: RegExp) => {
    const answer = answers[name]!;
    assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer)}`);
    assert.equal(answer.code, code, name);
    assert.match(answer.message!, message, name);
    assert.match(answer.requestId ?? '', /^[0-9a-f-]{36}$/, `${name}: Graph's innerError with a request-id`);
  };

  test('POST creates a cloud-only security group; members@odata.bind adds its members', () => {
    const created = answers.create!;
    assert.equal(created.status, 201, JSON.stringify(created));
    assert.match(created.body.id, /^[0-9a-f-]{36}$/);
    assert.match(created.body['@odata.context'], /\$metadata#groups\/\$entity$/);
    assert.equal(created.body.displayName, 'Project X');
    assert.equal(created.body.description, 'the project');
    assert.equal(created.body.securityEnabled, true);
    assert.equal(created.body.mailEnabled, false);
    assert.equal(created.body.mail, null);
    assert.deepEqual(created.body.groupTypes, []);
    assert.equal(created.body.onPremisesSyncEnabled, null);
    assert.equal(answers.createWithMembers!.status, 201);
    assert.deepEqual(ids('boundMembers'), [users[1]!.id, cloudUser.id].sort());
  });

  test('PATCH changes the cloud group; members/$ref adds users and groups (synced ones too) and removes them', () => {
    assert.equal(answers.patch!.status, 204);
    const patched = answers.afterPatch!.body;
    assert.equal(patched.displayName, 'Project Y');
    assert.equal(patched.description, null);
    assert.equal(patched.mailNickname, 'projecty');
    for (const name of ['addUser', 'addCloudUser', 'addSyncedGroup']) assert.equal(answers[name]!.status, 204, `${name}: ${JSON.stringify(answers[name])}`);
    assert.deepEqual(ids('members'), [users[2]!.id, cloudUser.id, synced.id].sort());
    assert.ok((answers.userMemberOf!.body.value as { displayName: string }[]).some((g) => g.displayName === 'Project Y'));
    assert.equal(answers.remove!.status, 204);
    assert.deepEqual(ids('membersAfterRemove'), [cloudUser.id, synced.id].sort());
  });

  test("member writes answer Graph's errors: an existing member, an unknown object, a bad reference, the group itself", () => {
    refused('addAgain', 400, 'Request_BadRequest', /^One or more added object references already exist for the following modified properties: 'members'\.$/);
    refused('addUnknown', 404, 'Request_ResourceNotFound', /^Resource '00000000-0000-0000-0000-000000000000' does not exist/);
    refused('addBadReference', 400, 'BadRequest', /Invalid URL format specified in @odata\.id/);
    refused('addNoBody', 400, 'BadRequest', /Invalid URL format specified in @odata\.id/);
    refused('addSelf', 400, 'Request_BadRequest', /cannot be a member of itself/);
    refused('addGroupAsUser', 404, 'Request_ResourceNotFound', /does not exist/);
    refused('removeAgain', 404, 'Request_ResourceNotFound', new RegExp(`^Resource '${users[2]!.id}' does not exist`));
  });

  test("bad group bodies answer Graph's 400s naming the property; mail-enabled, Microsoft 365 and dynamic groups are refused", () => {
    const mailMessage = /^The service does not currently support writes of mail-enabled groups\. Please ensure that the mail-enablement property is unset and the security-enablement property is set\.$/;
    refused('mailEnabled', 400, 'Request_BadRequest', mailMessage);
    refused('notSecurity', 400, 'Request_BadRequest', mailMessage);
    refused('unified', 400, 'Request_BadRequest', /Microsoft 365 groups \(groupTypes 'Unified'\)/);
    refused('dynamic', 400, 'Request_BadRequest', /'DynamicMembership'|membershipRule/);
    refused('noNickname', 400, 'Request_BadRequest', /^Invalid value specified for property 'mailNickname' of resource 'Group'\.$/);
    refused('badNickname', 400, 'Request_BadRequest', /^Invalid value specified for property 'mailNickname' of resource 'Group'\.$/);
    refused('wrongType', 400, 'Request_BadRequest', /^Invalid value specified for property 'securityEnabled' of resource 'Group'\.$/);
    refused('readOnly', 400, 'Request_BadRequest', /^Property 'mail' is read-only and cannot be set\.$/);
    refused('unknownProperty', 400, 'BadRequest', /^Property 'favouriteColour' does not exist on type 'microsoft\.graph\.group'\.$/);
    refused('unstored', 400, 'Request_BadRequest', /property 'visibility'/);
    refused('owners', 400, 'Request_BadRequest', /owners@odata\.bind/);
    refused('boundUnknown', 404, 'Request_ResourceNotFound', /11111111-1111-1111-1111-111111111111/);
    refused('patchMailEnabled', 400, 'Request_BadRequest', /^Property 'mailEnabled' is read-only and cannot be set\.$/);
    refused('patchEmptyName', 400, 'Request_BadRequest', /^Invalid value specified for property 'displayName' of resource 'Group'\.$/);
    refused('patchUnknownGroup', 404, 'Request_ResourceNotFound', /22222222-2222-2222-2222-222222222222/);
    const names = (answers.list!.body.value as { displayName: string }[]).map((g) => g.displayName).sort();
    assert.deepEqual(names, ['Bound', 'Synced'], 'no refused body left a group behind (Project Y is deleted)');
  });

  test('a group synced from AD refuses property, delete and member writes as on-premises mastered, and stays as it was', () => {
    for (const name of ['syncedPatch', 'syncedDelete', 'syncedAdd', 'syncedRemove']) refused(name, 400, 'Request_BadRequest', MASTERED);
    assert.deepEqual(ids('syncedMembers'), [users[0]!.id]);
    assert.equal(answers.syncedAfter!.body.description, null);
  });

  test('DELETE moves the cloud group to deleted items; it is gone from /groups', () => {
    assert.equal(answers.delete!.status, 204);
    refused('getDeleted', 404, 'Request_ResourceNotFound', /does not exist/);
    refused('deleteAgain', 404, 'Request_ResourceNotFound', /does not exist/);
    assert.ok((answers.deletedItems!.body.value as { id: string }[]).some((g) => g.id === answers.create!.body.id));
  });
});
