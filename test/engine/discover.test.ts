/**
 * Schema discovery's translation (schema/discover.ts) with a source that answers a forest's
 * schema: a custom attribute appears with its type, stored definitions and the engine's own
 * attributes stay, and a class the forest lacks is an error naming it. The agent's read of a
 * real schema is tested against Samba (test/api/schema-discover.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdClassSchema } from '../../src/core/ad-schema.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import { compileMappings } from '../../src/engine/cycle.ts';
import type { ChangeSource, CycleJob } from '../../src/engine/ports.ts';
import { defaultSchema } from '../../src/engine/schema/default-schema.ts';
import { attributeTypeOf, discoverDirectory } from '../../src/engine/schema/discover.ts';
import { scopeRulesOf } from '../../src/engine/scoping.ts';

const attribute = (name: string, oMSyntax: number, syntax = '', singleValued = true, required = false) => ({ name, oMSyntax, syntax, singleValued, required });
const classes: AdClassSchema[] = ['user', 'inetOrgPerson', 'group'].map((name) => ({
  name,
  attributes: [attribute('objectGUID', 4, '2.5.5.10', true, true), attribute('costCenter', 64, '2.5.5.12'), attribute('badgeIds', 2, '2.5.5.9', false), attribute('member', 127, '2.5.5.1', false)],
}));

function jobWith(found: AdClassSchema[]): { job: CycleJob; source: ChangeSource } {
  const job: CycleJob = { tenantId: 't', jobId: 'j', domain: 'corp.test', schema: defaultSchema() };
  const source: ChangeSource = { readDelta: async function* () {}, readSchema: async () => ({ schemaNamingContext: 'CN=Schema,CN=Configuration,DC=corp,DC=test', classes: found }) };
  return { job, source };
}

test('attribute syntaxes map onto Graph attribute types', () => {
  assert.equal(attributeTypeOf({ oMSyntax: 1, syntax: '2.5.5.8' }), 'Boolean');
  assert.equal(attributeTypeOf({ oMSyntax: 65, syntax: '2.5.5.16' }), 'Integer');
  assert.equal(attributeTypeOf({ oMSyntax: 24, syntax: '2.5.5.11' }), 'DateTime');
  assert.equal(attributeTypeOf({ oMSyntax: 4, syntax: '2.5.5.10' }), 'Binary');
  assert.equal(attributeTypeOf({ oMSyntax: 127, syntax: '2.5.5.1' }), 'Reference');
  assert.equal(attributeTypeOf({ oMSyntax: 127, syntax: '2.5.5.7' }), 'String');
  assert.equal(attributeTypeOf({ oMSyntax: 64, syntax: '2.5.5.12' }), 'String');
});

test('discover lists the forest\'s attributes, keeps stored definitions and the engine\'s own', async () => {
  const { job, source } = jobWith(classes);
  const found = await discoverDirectory(job, source, 'ad', new Date('2026-12-03T11:00:00Z'));
  assert.equal(found.discoveryDateTime, '2026-12-03T11:00:00.000Z');
  const user = new Map(found.objects.find((o) => o.name === 'user')!.attributes.map((a) => [a.name, a]));
  assert.deepEqual([...user.keys()], ['objectGUID', 'costCenter', 'badgeIds', 'member', 'sourceAnchor', 'PasswordHash']);
  assert.equal(user.get('objectGUID')!.anchor, true);
  assert.deepEqual({ type: user.get('badgeIds')!.type, multivalued: user.get('badgeIds')!.multivalued }, { type: 'Integer', multivalued: true });
  assert.equal((await discoverDirectory(job, source, 'aad', new Date())).name, 'Azure Active Directory');
  await assert.rejects(discoverDirectory(jobWith(classes.slice(0, 2)).job, jobWith(classes.slice(0, 2)).source, 'ad', new Date()), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SOURCE_INVALID') && /no class group/.test((e as Error).message));
});

test('a discovered attribute the agent does not read is refused in mappings and scoping clauses', async () => {
  // A forest whose classes hold the template's attributes and a custom costCenter.
  const template = defaultSchema().directories[0]!;
  const forest = template.objects.map((o) => ({ name: o.name, attributes: [...o.attributes.map((a) => attribute(a.name, 64, '2.5.5.12', !a.multivalued)), attribute('costCenter', 64, '2.5.5.12')] }));
  const { job, source } = jobWith(forest);
  const ad = await discoverDirectory(job, source, 'ad', new Date());
  const schema = defaultSchema();
  assert.doesNotThrow(() => compileMappings({ ...schema, directories: [ad, schema.directories[1]!] }), 'the template\'s mappings compile against the discovered directory');
  const rule = schema.synchronizationRules[0]!;
  const users = rule.objectMappings.find((m) => m.sourceObjectName === 'user')!;
  const mapped = {
    ...schema,
    directories: [ad, schema.directories[1]!],
    synchronizationRules: [{ ...rule, objectMappings: rule.objectMappings.map((m) => m !== users ? m : { ...m, attributeMappings: m.attributeMappings.map((a) => a.targetAttributeName !== 'department' ? a : { ...a, source: { expression: 'Trim([costCenter])', name: 'Trim', type: 'Function' as const, parameters: [{ key: 'source', value: { expression: '[costCenter]', name: 'costCenter', type: 'Attribute' as const, parameters: [] } }] } }) }) }],
  };
  assert.throws(() => compileMappings(mapped), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SCHEMA_INVALID') && /\[costCenter\] is in the schema's Active Directory definition of user, but Canopy's agent does not read it/.test((e as Error).message));
  const scoped = { ...rule, objectMappings: rule.objectMappings.map((m) => m !== users ? m : { ...m, scope: { groups: [{ name: 'cc', clauses: [{ sourceOperandName: 'costCenter', operatorName: 'EQUALS', targetOperand: { values: ['1'] } }] }] } }) };
  assert.throws(() => scopeRulesOf(scoped, undefined, [ad]), /scoping filter: \[costCenter\].*does not read it/);
});
