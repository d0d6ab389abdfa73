/**
 * The template schemas as Entra shapes them: AD2AADProvisioning's object mappings by Entra's
 * names (users, inetOrgPersons, groups), the walkthrough's CredentialData step applied to both
 * user mappings still runs a cycle, and an inetOrgPerson follows its own mapping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCycle } from '../../src/engine/cycle.ts';
import { PASSWORD_HASH_SCHEMA, templateSchema } from '../../src/engine/schema/password-hash-schema.ts';
import type { AttributeMapping, SynchronizationSchema } from '../../src/engine/schema/synchronization-schema.ts';
import { immutableIdOf } from '../../src/engine/source-attributes.ts';
import { ReplaySource, guid, openHarness, upsert, user } from './support.ts';

const CREDENTIAL_DATA: AttributeMapping = {
  defaultValue: null,
  exportMissingReferences: false,
  flowBehavior: 'FlowWhenChanged',
  flowType: 'Always',
  matchingPriority: 0,
  targetAttributeName: 'CredentialData',
  source: { expression: '[PasswordHash]', name: 'PasswordHash', type: 'Attribute', parameters: [] },
};

test('AD2AADProvisioning names its object mappings as Entra does', () => {
  const rule = templateSchema('AD2AADProvisioning').synchronizationRules[0]!;
  assert.deepEqual(rule.objectMappings.map((m) => [m.name, m.sourceObjectName, m.targetObjectName]), [
    ['Provision Active Directory users', 'user', 'User'],
    ['Provision Active Directory groups', 'group', 'Group'],
    ['Provision Active Directory inetOrgPersons', 'inetOrgPerson', 'User'],
  ]);
  const password = templateSchema('AD2AADPasswordHash').synchronizationRules[0]!;
  assert.equal(password.id, 'AD2AADPasswordHash');
  assert.deepEqual(password.objectMappings.map((m) => m.attributeMappings.map((a) => a.targetAttributeName)), [
    ['onPremisesImmutableId', 'CredentialData'],
    ['onPremisesImmutableId', 'CredentialData'],
  ]);
  assert.notEqual(templateSchema('AD2AADPasswordHash'), PASSWORD_HASH_SCHEMA, 'a copy, never the shared template');
});

test('the walkthrough step "add CredentialData to both user object mappings" leaves a schema the engine runs', async () => {
  const h = await openHarness();
  try {
    type Editable = { name: string; attributeMappings: AttributeMapping[] };
    const schema = structuredClone(h.job.schema) as SynchronizationSchema;
    const mappings = schema.synchronizationRules[0]!.objectMappings as unknown as Editable[];
    const wanted = ['provision active directory users', 'provision active directory inetorgpersons'];
    const edited = mappings.filter((m) => wanted.includes(m.name.toLowerCase()));
    assert.equal(edited.length, 2, 'both mappings the walkthrough names exist');
    for (const mapping of edited) mapping.attributeMappings.push(CREDENTIAL_DATA);
    // inetOrgPersons get their own job title flow, to show which mapping an object followed.
    const inetMapping = edited[1]!;
    inetMapping.attributeMappings = inetMapping.attributeMappings.map((a) =>
      a.targetAttributeName === 'jobTitle' ? { ...a, source: { expression: '"Contractor"', name: 'Contractor', type: 'Constant', parameters: [] } } : a);
    const person = user(1, { title: 'Engineer' });
    const inetOrgPerson = { ...user(2, { title: 'Engineer' }), objectClasses: ['top', 'person', 'organizationalPerson', 'user', 'inetOrgPerson'] };
    const result = await runCycle({ job: { ...h.job, schema }, source: new ReplaySource().push([upsert(person), upsert(inetOrgPerson)]), store: h.store });
    assert.equal(result.execution.state, 'Succeeded');
    const one = await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(1)) });
    const two = await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(2)) });
    assert.equal(one?.jobTitle, 'Engineer', 'a plain user follows "Provision Active Directory users"');
    assert.equal(two?.jobTitle, 'Contractor', 'an inetOrgPerson follows its own mapping');
  } finally {
    await h.close();
  }
});
