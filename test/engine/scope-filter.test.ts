/** Attribute scoping filters (objectMapping scope): each operator, AND within a filter, OR across filters, and the checks at PUT time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCanopyError } from '../../src/core/errors.ts';
import type { FilterClause, FilterGroup } from '../../src/engine/schema/synchronization-schema.ts';
import { defaultSchema } from '../../src/engine/schema/default-schema.ts';
import { compileScopeFilter, evaluateScopeFilter, filterOperatorSchemas, FILTER_OPERATORS } from '../../src/engine/scope-filter.ts';
import { decideScope, scopeRulesOf } from '../../src/engine/scoping.ts';
import { user } from './support.ts';

const clause = (sourceOperandName: string, operatorName: string, ...values: string[]): FilterClause => ({ sourceOperandName, operatorName, targetOperand: { values } });
const groups = (...gs: FilterClause[][]): { groups: FilterGroup[] } => ({ groups: gs.map((clauses, i) => ({ name: `f${i + 1}`, clauses })) });

function passes(c: FilterClause, attributes: Record<string, string[] | undefined>): boolean | 'unknown' {
  const compiled = compileScopeFilter(groups([c]), 'test')!;
  const result = evaluateScopeFilter(compiled, (name) => attributes[name]);
  return result.passes;
}

test('each operator on a present value, and every operator but IS NULL false on an empty one', () => {
  const cases: [FilterClause, string, boolean][] = [
    [clause('department', 'EQUALS', 'Sales'), 'Sales', true],
    [clause('department', 'EQUALS', 'Sales'), 'sales', false], // case-sensitive
    [clause('department', 'EQUALS', 'Sales', 'Marketing'), 'Marketing', true],
    [clause('department', 'NOT EQUALS', 'Sales'), 'Engineering', true],
    [clause('department', 'NOT EQUALS', 'Sales'), 'Sales', false],
    [clause('department', 'Includes', 'ale'), 'Sales', true],
    [clause('department', 'Includes', 'ALE'), 'Sales', false],
    [clause('mail', 'ENDS_WITH', '@corp.test'), 'ann@corp.test', true],
    [clause('mail', 'ENDS_WITH', '@corp.test'), 'ann@other.test', false],
    [clause('userPrincipalName', 'REGEX MATCH', '.*\\@domain.com'), 'a@domain.com', true],
    [clause('userPrincipalName', 'REGEX MATCH', '(?i)^A@'), 'a@domain.com', true],
    [clause('userPrincipalName', 'NOT REGEX MATCH', '.*\\@domain.com'), 'a@domain.com', false],
    [clause('userPrincipalName', 'NOT REGEX MATCH', '.*\\@domain.com'), 'a@other.org', true],
    [clause('employeeID', 'Greater_Than', '1000000'), '1500000', true],
    [clause('employeeID', 'Greater_Than', '1000000'), '1000000', false],
    [clause('employeeID', 'Greater_Than_OR_EQUALS', '1000000'), '1000000', true],
    [clause('employeeID', 'Greater_Than', '10'), 'E12', false], // not an integer
    [clause('flag', 'IS TRUE'), 'True', true],
    [clause('flag', 'IS TRUE'), 'False', false],
    [clause('flag', 'IS FALSE'), 'FALSE', true],
    [clause('title', 'IS NOT NULL'), 'Boss', true],
    [clause('title', 'IS NULL'), 'Boss', false],
    [clause('department', '&', 'Sales, Marketing'), 'Sales', true],
    [clause('department', '!&', 'Sales, Marketing'), 'Sales', false],
    [clause('department', '!&', 'Sales, Marketing'), 'Legal', true],
  ];
  for (const [c, value, expected] of cases) {
    assert.equal(passes(c, { [c.sourceOperandName]: [value] }), expected, `${c.sourceOperandName} ${c.operatorName} ${JSON.stringify(c.targetOperand.values)} on "${value}"`);
  }
  for (const operator of FILTER_OPERATORS) {
    const c = clause('title', operator.name, ...(operator.arity === 'Binary' ? [operator.name.startsWith('Greater') ? '1' : 'x'] : []));
    assert.equal(passes(c, { title: [] }), operator.name === 'IS NULL', `${operator.name} on an empty attribute`);
    assert.equal(passes(c, { title: [''] }), operator.name === 'IS NULL', `${operator.name} on an empty string`);
  }
});

test('clauses of one filter are ANDed, filters are ORed; the reason names the failing clause of each', () => {
  const filter = compileScopeFilter(groups(
    [clause('department', 'EQUALS', 'Sales'), clause('l', 'EQUALS', 'New York')],
    [clause('title', 'EQUALS', 'CEO')],
  ), 'test')!;
  const read = (attributes: Record<string, string[]>) => (name: string) => attributes[name] ?? [];
  assert.equal(evaluateScopeFilter(filter, read({ department: ['Sales'], l: ['New York'] })).passes, true);
  assert.equal(evaluateScopeFilter(filter, read({ title: ['CEO'] })).passes, true);
  const out = evaluateScopeFilter(filter, read({ department: ['Sales'], l: ['Boston'] }));
  assert.deepEqual(out, { passes: false, reason: 'no scoping filter passes the object ("f1": l EQUALS "New York" is false; "f2": title EQUALS "CEO" is false)' });
  // A partial change that does not carry the attribute a clause reads cannot be decided.
  assert.equal(evaluateScopeFilter(filter, (name) => (name === 'department' ? ['Sales'] : undefined)).passes, 'unknown');
  assert.equal(compileScopeFilter({ groups: [{ name: 'empty', clauses: [] }] }, 'test'), undefined, 'a filter without clauses scopes nothing');
});

test('bad filters are refused with what is wrong: operator, attribute, multi-valued, value, pattern, IS MEMBER OF, other filter lists', () => {
  const schema = defaultSchema();
  const rule = schema.synchronizationRules[0]!;
  const withScope = (scope: unknown) => ({
    ...rule,
    objectMappings: rule.objectMappings.map((m) => (m.sourceObjectName === 'user' ? { ...m, scope } : m)),
  }) as typeof rule;
  const refused: [unknown, RegExp][] = [
    [groups([clause('department', 'LIKE', 'x')]), /unknown scoping operator "LIKE"/],
    [groups([clause('nosuchAttribute', 'EQUALS', 'x')]), /unknown attribute nosuchAttribute/],
    [groups([clause('proxyAddresses', 'EQUALS', 'x')]), /proxyAddresses is multi-valued/],
    [groups([clause('department', 'EQUALS')]), /needs a value/],
    [groups([clause('employeeID', 'Greater_Than', 'ten')]), /compares integers/],
    [groups([clause('department', 'REGEX MATCH', '(unclosed')]), /not a regular expression/],
    [groups([clause('memberOf', 'IS MEMBER OF', 'CN=G,DC=x')]), /IS MEMBER OF is not supported/],
    [{ inputFilterGroups: [{ name: 'x', clauses: [clause('department', 'EQUALS', 'x')] }] }, /scope.inputFilterGroups is not supported/],
  ];
  for (const [scope, message] of refused) {
    assert.throws(() => scopeRulesOf(withScope(scope), undefined, schema.directories), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SCHEMA_INVALID') && message.test(e.message), String(message));
  }
  // Names match without regard to case, and _ and space alike.
  const rules = scopeRulesOf(withScope(groups([clause('department', 'equals', 'Sales'), clause('employeeID', 'GREATER THAN', '5')])), undefined, schema.directories);
  assert.equal(decideScope(user(1, { department: 'Sales', employeeID: '9' }), rules).inScope, true);
  const out = decideScope(user(2, { department: 'Engineering', employeeID: '9' }), rules);
  assert.equal(out.inScope, false);
  assert.equal(!out.inScope && out.kind, 'out-of-scope');
  // Groups have no filter here: the user mapping's filter applies to users only.
  assert.deepEqual(filterOperatorSchemas().map((o) => o.name), FILTER_OPERATORS.map((o) => o.name));
});
