import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileObjectMapping, evaluateMapping } from '../../src/engine/mapping.ts';
import { DEFAULT_SCHEMA, TARGET_DIRECTORY_NAME, defaultSchema } from '../../src/engine/schema/default-schema.ts';
import { immutableIdOf } from '../../src/engine/source-attributes.ts';
import type { ObjectMapping } from '../../src/engine/schema/synchronization-schema.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import { group, guid, user } from './support.ts';

const rule = DEFAULT_SCHEMA.synchronizationRules[0]!;
const users = compileObjectMapping(DEFAULT_SCHEMA, rule.objectMappings[0]!, TARGET_DIRECTORY_NAME);
const groups = compileObjectMapping(DEFAULT_SCHEMA, rule.objectMappings[1]!, TARGET_DIRECTORY_NAME);

test('the default schema is data in Graph synchronizationSchema shape, round-tripping through JSON', () => {
  const json = JSON.parse(JSON.stringify(DEFAULT_SCHEMA));
  assert.deepEqual(json, DEFAULT_SCHEMA);
  assert.deepEqual(rule.objectMappings.map((m: ObjectMapping) => `${m.sourceObjectName} to ${m.targetObjectName}`), ['user to User', 'group to Group', 'inetOrgPerson to User']);
  for (const m of rule.objectMappings) for (const a of m.attributeMappings) assert.ok(['Attribute', 'Constant', 'Function'].includes(a.source!.type));
});

test('the onPremisesImmutableId is base64 of the anchor GUID bytes (ms-DS-ConsistencyGuid first)', () => {
  // [Convert]::ToBase64String([guid]'6f1c9a47-1b2c-4d3e-8f90-a1b2c3d4e5f6'.ToByteArray())
  assert.equal(immutableIdOf('6f1c9a47-1b2c-4d3e-8f90-a1b2c3d4e5f6'), Buffer.from('479a1c6f2c1b3e4d8f90a1b2c3d4e5f6', 'hex').toString('base64'));
});

test('a user maps to Graph properties on creation, with computed attributes and references', () => {
  const object = user(7, {
    title: 'Engineer', department: 'R&D', company: 'Canopy', l: 'Oslo', st: 'Oslo', co: 'Norway', c: 'NO', postalCode: '0150',
    streetAddress: 'Gate 1', telephoneNumber: '+47 1', mobile: '+47 2', employeeID: 'E7', proxyAddresses: ['SMTP:u7@corp.canopy.test', 'smtp:alias@corp.canopy.test'],
    manager: 'CN=Boss,OU=Sales,DC=corp,DC=canopy,DC=test', userAccountControl: '514',
  });
  const { mapped, failures } = evaluateMapping(users, { object, complete: true, anchor: immutableIdOf(guid(7)) }, 'create');
  assert.deepEqual(failures, []);
  const v = Object.fromEntries(mapped.values);
  assert.equal(v.userPrincipalName, 'user7@corp.canopy.test');
  assert.equal(v.displayName, 'User 7');
  assert.equal(v.surname, '7');
  assert.equal(v.mailNickname, 'user7');
  assert.equal(v.jobTitle, 'Engineer');
  assert.equal(v.companyName, 'Canopy');
  assert.equal(v.city, 'Oslo');
  assert.equal(v.country, 'NO');
  assert.deepEqual(v.businessPhones, ['+47 1']);
  assert.equal(v.mobilePhone, '+47 2');
  assert.equal(v.employeeId, 'E7');
  assert.deepEqual(v.proxyAddresses, ['SMTP:u7@corp.canopy.test', 'smtp:alias@corp.canopy.test']);
  assert.equal(v.accountEnabled, false, 'userAccountControl 514 has ACCOUNTDISABLE');
  assert.equal(v.onPremisesImmutableId, immutableIdOf(guid(7)));
  assert.equal(v.onPremisesSamAccountName, 'user7');
  assert.equal(v.onPremisesSecurityIdentifier, 'S-1-5-21-1-2-3-1007');
  assert.equal(v.onPremisesDomainName, 'corp.canopy.test');
  assert.equal(v.onPremisesDistinguishedName, object.dn);
  assert.equal(v.onPremisesUserPrincipalName, 'user7@corp.canopy.test');
  assert.deepEqual(mapped.references.get('manager'), ['CN=Boss,OU=Sales,DC=corp,DC=canopy,DC=test']);
  assert.equal(v.givenName, 'User');
  assert.equal(v.department, 'R&D');
});

test('an update flows only Always mappings and only attributes the partial change carries', () => {
  const object = { ...user(7), attributes: { title: ['Boss'], userAccountControl: ['512'] } };
  const { mapped } = evaluateMapping(users, { object, complete: false, anchor: 'x' }, 'update');
  const v = Object.fromEntries(mapped.values);
  assert.equal(v.jobTitle, 'Boss');
  assert.equal(v.accountEnabled, true);
  assert.ok(!('onPremisesImmutableId' in v), 'ObjectAddOnly does not flow on update');
  assert.ok(!('mail' in v), 'an attribute absent from a partial change is left alone');
  assert.equal(v.onPremisesDistinguishedName, object.dn, 'the DN is always known');
  assert.ok(!mapped.references.has('manager'));
});

test('a cleared attribute in a complete object flows as null; displayName falls back to cn', () => {
  const object = user(8, { displayName: [], title: [] });
  const { mapped } = evaluateMapping(users, { object, complete: true, anchor: 'x' }, 'update');
  assert.equal(mapped.values.get('jobTitle'), null);
  assert.equal(mapped.values.get('displayName'), 'User 8');
  assert.deepEqual(mapped.references.get('manager'), []);
});

test('groups: securityEnabled from groupType, mailEnabled from mail, members as references', () => {
  const security = evaluateMapping(groups, { object: group(1, ['CN=A,DC=x', 'CN=B,DC=x']), complete: true, anchor: 'g' }, 'create').mapped;
  assert.equal(security.values.get('securityEnabled'), true);
  assert.equal(security.values.get('mailEnabled'), false);
  assert.equal(security.values.get('displayName'), 'Group 1');
  assert.equal(security.values.get('onPremisesImmutableId'), 'g');
  assert.deepEqual(security.references.get('members'), ['CN=A,DC=x', 'CN=B,DC=x']);
  const distribution = evaluateMapping(groups, { object: group(2, [], { groupType: '2', mail: 'dl@corp.canopy.test' }), complete: true, anchor: 'g' }, 'create').mapped;
  assert.equal(distribution.values.get('securityEnabled'), false);
  assert.equal(distribution.values.get('mailEnabled'), true);
});

test('defaultValue applies on creation only; Constant sources flow their value', () => {
  const schema = defaultSchema();
  const mapping = schema.synchronizationRules[0]!.objectMappings[0]!;
  const edited: ObjectMapping = {
    ...mapping,
    attributeMappings: [
      ...mapping.attributeMappings.filter((a) => a.targetAttributeName !== 'department' && a.targetAttributeName !== 'companyName'),
      { targetAttributeName: 'department', defaultValue: 'Unassigned', flowType: 'Always', source: { name: 'department', type: 'Attribute' } },
      { targetAttributeName: 'companyName', flowType: 'Always', source: { name: 'Contoso', type: 'Constant' } },
    ],
  };
  const compiled = compileObjectMapping(schema, edited, TARGET_DIRECTORY_NAME);
  const view = { object: user(9), complete: true, anchor: 'x' };
  assert.equal(evaluateMapping(compiled, view, 'create').mapped.values.get('department'), 'Unassigned');
  assert.equal(evaluateMapping(compiled, view, 'update').mapped.values.get('department'), null);
  assert.equal(evaluateMapping(compiled, view, 'update').mapped.values.get('companyName'), 'Contoso');
});

test('a Function source is an expression: evaluated per object, checked once at compile time', () => {
  const schema = defaultSchema();
  const mapping = schema.synchronizationRules[0]!.objectMappings[0]!;
  const withSource = (source: unknown): ObjectMapping => ({
    ...mapping,
    attributeMappings: [
      ...mapping.attributeMappings.filter((a) => a.targetAttributeName !== 'jobTitle'),
      { targetAttributeName: 'jobTitle', flowType: 'Always', source: source as ObjectMapping['attributeMappings'][number]['source'] },
    ],
  });
  const compiled = compileObjectMapping(schema, withSource({ expression: 'ToUpper([title])', name: 'ToUpper', type: 'Function', parameters: [{ key: 'source', value: { name: 'title', type: 'Attribute' } }] }), TARGET_DIRECTORY_NAME, 'Active Directory');
  const view = { object: user(9, { title: 'développeur' }), complete: true, anchor: 'x' };
  assert.equal(evaluateMapping(compiled, view, 'create').mapped.values.get('jobTitle'), 'DÉVELOPPEUR');
  // A partial change that does not carry title leaves jobTitle alone.
  const partial = { object: { ...user(9), attributes: { department: ['x'] } }, complete: false, anchor: 'x' };
  assert.equal(evaluateMapping(compiled, partial, 'update').mapped.values.has('jobTitle'), false);
  const refused = (source: unknown, message: RegExp) =>
    assert.throws(() => compileObjectMapping(schema, withSource(source), TARGET_DIRECTORY_NAME, 'Active Directory'), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SCHEMA_INVALID') && message.test((e as Error).message));
  refused({ expression: 'toUpper([title])', name: 'toUpper', type: 'Function' }, /jobTitle.*unknown function toUpper; function names are case-sensitive: did you mean ToUpper\?/);
  refused({ expression: 'Mid([title])', name: 'Mid', type: 'Function' }, /Mid takes 2 to 3 arguments/);
  refused({ expression: 'ToUpper([titel])', name: 'ToUpper', type: 'Function' }, /unknown attribute \[titel\] on user/);
  refused({ name: 'titel', type: 'Attribute' }, /unknown attribute \[titel\] on user/);
  refused({ expression: 'SelectUniqueValue([mail], [title])', name: 'SelectUniqueValue', type: 'Function' }, /SelectUniqueValue is not available to cloud sync/);
});

test('IgnoreFlowIfNullOrEmpty drops the attribute; Error() fails the object naming the message', () => {
  const schema = defaultSchema();
  const mapping = schema.synchronizationRules[0]!.objectMappings[0]!;
  const edited: ObjectMapping = {
    ...mapping,
    attributeMappings: [
      ...mapping.attributeMappings.filter((a) => !['jobTitle', 'department'].includes(a.targetAttributeName)),
      { targetAttributeName: 'jobTitle', flowType: 'Always', source: { expression: 'IgnoreFlowIfNullOrEmpty([title])', name: 'IgnoreFlowIfNullOrEmpty', type: 'Function' } },
      { targetAttributeName: 'department', flowType: 'Always', source: { expression: 'IIF(IsPresent([department]), [department], Error("department is required"))', name: 'IIF', type: 'Function' } },
    ],
  };
  const compiled = compileObjectMapping(schema, edited, TARGET_DIRECTORY_NAME, 'Active Directory');
  const result = evaluateMapping(compiled, { object: user(9, { department: 'Sales' }), complete: true, anchor: 'x' }, 'create');
  assert.deepEqual(result.failures, []);
  assert.equal(result.mapped.values.has('jobTitle'), false);
  assert.equal(result.mapped.values.get('department'), 'Sales');
  const failed = evaluateMapping(compiled, { object: user(9), complete: true, anchor: 'x' }, 'create');
  assert.deepEqual(failed.failures.map((f) => [f.targetAttributeName, f.message]), [['department', 'department is required (at column 44)']]);
});

test('a required attribute without a value fails the object on creation; a bad Boolean is a mapping failure', () => {
  const object = user(10);
  const { userPrincipalName: _drop, ...rest } = object.attributes;
  const result = evaluateMapping(users, { object: { ...object, attributes: rest }, complete: true, anchor: 'x' }, 'create');
  assert.ok(result.failures.some((f) => f.targetAttributeName === 'userPrincipalName'));
});

test('the schema is checked before any object: unknown targets and unsupported flow types are refused', () => {
  const schema = defaultSchema();
  const mapping = schema.synchronizationRules[0]!.objectMappings[0]!;
  const unknown = { ...mapping, attributeMappings: [{ targetAttributeName: 'shoeSize', flowType: 'Always' as const, source: { name: 'x', type: 'Attribute' as const } }] };
  assert.throws(() => compileObjectMapping(schema, unknown, TARGET_DIRECTORY_NAME), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SCHEMA_INVALID'));
  const flow = { ...mapping, attributeMappings: [{ targetAttributeName: 'mail', flowType: 'ValueAddOnly' as const, source: { name: 'mail', type: 'Attribute' as const } }] };
  assert.throws(() => compileObjectMapping(schema, flow, TARGET_DIRECTORY_NAME), /not supported yet/);
});
