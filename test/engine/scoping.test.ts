import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideScope, scopeRulesOf } from '../../src/engine/scoping.ts';
import { defaultSchema } from '../../src/engine/schema/default-schema.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import { normalizeDn } from '../../src/core/dn.ts';
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

test('containerFilter and groupFilter are mutually exclusive, and each names DNs', () => {
  const both = { ...rule, containerFilter: { includedContainers: [SALES] }, groupFilter: { includedGroups: [`CN=G,${SALES}`] } };
  assert.throws(() => scopeRulesOf(both), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SCHEMA_INVALID') && /mutually exclusive/.test((e as Error).message));
  assert.throws(() => scopeRulesOf({ ...rule, groupFilter: { includedGroups: ['Pilot users'] } }), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SCHEMA_INVALID') && /groupFilter.includedGroups: "Pilot users" is not a distinguished name/.test((e as Error).message));
  assert.deepEqual(scopeRulesOf({ ...rule, containerFilter: { includedContainers: [] }, groupFilter: { includedGroups: [`CN=G,${SALES}`] } }).includedGroups, [`CN=G,${SALES}`]);
});

test('group scope: the included groups and their direct members, by DN or objectGUID; nothing else', () => {
  const pilot = group(1, []);
  const grouped = {
    ...scopeRulesOf({ ...rule, containerFilter: { includedContainers: [] }, groupFilter: { includedGroups: [pilot.dn] } }),
    groupScope: { groups: new Set([normalizeDn(pilot.dn)]), members: new Map([[normalizeDn(user(1).dn.toUpperCase()), user(1).dn], [user(2).objectGuid, user(2).objectGuid]]) },
  };
  assert.equal(decideScope(user(1), grouped).inScope, true, 'a member named by DN (any case)');
  assert.equal(decideScope(user(2, {}, { ou: OUTSIDE }), grouped).inScope, true, 'a member named by objectGUID, wherever it lives');
  assert.equal(decideScope(pilot, grouped).inScope, true, 'the included group itself');
  const outside = decideScope(user(3), grouped);
  assert.equal(!outside.inScope && outside.kind, 'out-of-scope');
  assert.match(!outside.inScope ? outside.reason : '', /direct member/);
  const critical = decideScope(user(1, { isCriticalSystemObject: 'TRUE' }), grouped);
  assert.equal(!critical.inScope && critical.kind, 'excluded', 'exclusions still apply to members');
  const { groupScope: _read, ...unread } = grouped;
  assert.throws(() => decideScope(user(1), unread), /not read/);
});
