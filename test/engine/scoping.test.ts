import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideScope, scopeRulesOf } from '../../src/engine/scoping.ts';
import { defaultSchema } from '../../src/engine/schema/default-schema.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import { BASE, OUTSIDE, SALES, group, user } from './support.ts';

const rule = defaultSchema().synchronizationRules[0]!;
const rules = scopeRulesOf({ ...rule, containerFilter: { includedContainers: ['ou=SALES,dc=Corp,dc=Canopy,dc=Test'] } }, { sAMAccountName: 'svc-canopy', dn: `CN=Sync,CN=Users,${BASE}` });

test('objects below an included container are in scope, case-insensitively and at any depth', () => {
  assert.deepEqual(decideScope(user(1), rules), { inScope: true, objectType: 'user' });
  assert.deepEqual(decideScope(user(2, {}, { ou: `OU=Deep,OU=Deeper,${SALES}` }), rules), { inScope: true, objectType: 'user' });
  assert.deepEqual(decideScope(group(1, []), rules), { inScope: true, objectType: 'group' });
});

test('objects elsewhere are out of scope; no containers means the whole domain', () => {
  const decision = decideScope(user(3, {}, { ou: OUTSIDE }), rules);
  assert.equal(decision.inScope, false);
  assert.equal(!decision.inScope && decision.kind, 'out-of-scope');
  assert.equal(decideScope(user(3, {}, { ou: OUTSIDE }), scopeRulesOf(rule)).inScope, true);
});

test('critical system objects, the sync account (by DN or sAMAccountName) and computers never sync', () => {
  const critical = decideScope(user(4, { isCriticalSystemObject: 'TRUE' }), rules);
  assert.equal(!critical.inScope && critical.kind, 'excluded');
  const bySam = decideScope(user(5, { sAMAccountName: 'SVC-Canopy' }), rules);
  assert.equal(!bySam.inScope && bySam.kind, 'excluded');
  const byDn = decideScope({ ...user(6, {}, { ou: `CN=Users,${BASE}`, cn: 'Sync' }) }, scopeRulesOf(rule, { dn: `cn=sync,cn=users,${BASE}` }));
  assert.equal(!byDn.inScope && byDn.kind, 'excluded');
  const computer = { ...user(7), objectClass: 'computer' as const, objectClasses: ['top', 'person', 'organizationalPerson', 'user', 'computer'] };
  const decision = decideScope(computer, rules);
  assert.equal(!decision.inScope && decision.kind, 'unsupported');
  const computerByChain = { ...user(8), objectClasses: ['top', 'person', 'organizationalPerson', 'user', 'computer'] };
  assert.equal(decideScope(computerByChain, rules).inScope, false);
});

test('group scoping and attribute scoping filters are refused until supported, not ignored', () => {
  assert.throws(() => scopeRulesOf({ ...rule, groupFilter: { includedGroups: ['CN=G,DC=x'] } }), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SCHEMA_INVALID'));
});
