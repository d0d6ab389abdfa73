/**
 * onPremisesExtensionAttributes written through Microsoft's Graph JS SDK (@azure/identity
 * token): set on a cloud-only user at creation and changed by PATCH (a key at a time, null
 * clears it), as Graph allows for cloud-only users; refused on a synced user as on-premises
 * mastered, and bad keys or values answer Graph's 400s. Before, every such write was a 400
 * ("read-only").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryUser } from '../../src/directory/types.ts';
import { seedUsers } from './support/api-fixture.ts';
import { startHttpsApi, type HttpsApi, type SdkAnswer } from './support/https-api.ts';

const SELECT = '?$select=id,onPremisesExtensionAttributes';

describe('Graph onPremisesExtensionAttributes of cloud-only users', () => {
  let api: HttpsApi;
  let answers: Record<string, SdkAnswer>;
  let synced: DirectoryUser;

  before(async () => {
    api = await startHttpsApi();
    [synced] = await seedUsers(api.f.store, api.f.a.tenantId, 1) as [DirectoryUser];
    const patch = (name: string, value: unknown, path = '/users/{{create.id}}') => ({ name, method: 'PATCH' as const, path, body: { onPremisesExtensionAttributes: value } });
    answers = await api.sdk([
      {
        name: 'create', method: 'POST', path: '/users',
        body: {
          accountEnabled: true, displayName: 'Cloud Ext', mailNickname: 'cloudext', userPrincipalName: 'cloud.ext@corp.test', passwordProfile: { password: 'Cloud-Ext-1!' },
          onPremisesExtensionAttributes: { extensionAttribute1: 'one', extensionAttribute2: null, extensionAttribute15: 'fifteen' },
        },
      },
      { name: 'created', path: `/users/{{create.id}}${SELECT}` },
      patch('patch', { extensionAttribute1: null, extensionAttribute5: 'five' }),
      { name: 'patched', path: `/users/{{create.id}}${SELECT}` },
      patch('badKey', { extensionAttribute16: 'x' }),
      patch('badValue', { extensionAttribute3: 42 }),
      patch('notObject', 'extensionAttribute1=x'),
      patch('synced', { extensionAttribute1: 'x' }, `/users/${synced.id}`),
      { name: 'syncedAfter', path: `/users/${synced.id}${SELECT}` },
    ]);
  });
  after(() => api.close());

  const values = (name: string) => answers[name]!.body.onPremisesExtensionAttributes as Record<string, string | null>;

  test('set at creation and changed by PATCH, a key at a time; null clears one', () => {
    assert.equal(answers.create!.status, 201, JSON.stringify(answers.create));
    const created = values('created');
    assert.equal(Object.keys(created).length, 15);
    assert.equal(created.extensionAttribute1, 'one');
    assert.equal(created.extensionAttribute2, null);
    assert.equal(created.extensionAttribute15, 'fifteen');
    assert.equal(answers.patch!.status, 204, JSON.stringify(answers.patch));
    const patched = values('patched');
    assert.equal(patched.extensionAttribute1, null);
    assert.equal(patched.extensionAttribute5, 'five');
    assert.equal(patched.extensionAttribute15, 'fifteen', 'keys not written keep their values');
  });

  test("bad keys and values answer Graph's 400s; a synced user's are mastered in AD", () => {
    assert.equal(answers.badKey!.status, 400);
    assert.equal(answers.badKey!.code, 'BadRequest');
    assert.match(answers.badKey!.message!, /extensionAttribute16/);
    for (const name of ['badValue', 'notObject']) {
      assert.equal(answers[name]!.status, 400, name);
      assert.equal(answers[name]!.code, 'Request_BadRequest', name);
      assert.match(answers[name]!.message!, /^Invalid value specified for property 'onPremisesExtensionAttributes/, name);
    }
    assert.equal(answers.synced!.status, 400);
    assert.match(answers.synced!.message!, /^Unable to update the specified properties for on-premises mastered Directory Sync objects/);
    assert.ok(Object.values(values('syncedAfter')).every((v) => v === null));
  });
});
