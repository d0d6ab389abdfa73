import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAttrPath, parseFilter } from '../../src/scim/filter.ts';
import { ScimError } from '../../src/scim/scim-error.ts';

function invalidFilter(text: string): void {
  assert.throws(() => parseFilter(text), (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError for ${text}`);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, 'invalidFilter');
    return true;
  });
}

describe('parseFilter (RFC 7644 §3.4.2.2)', () => {
  test('every comparison operator, case-insensitive', () => {
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']) {
      assert.deepEqual(parseFilter(`userName ${op.toUpperCase()} "x"`), { op, attrPath: 'userName', compValue: 'x' });
    }
    assert.deepEqual(parseFilter('title pr'), { op: 'pr', attrPath: 'title' });
  });

  test('and binds tighter than or; not and parentheses group', () => {
    assert.deepEqual(parseFilter('a eq 1 or b eq 2 and not (c pr)'), {
      op: 'or',
      filters: [
        { op: 'eq', attrPath: 'a', compValue: 1 },
        { op: 'and', filters: [{ op: 'eq', attrPath: 'b', compValue: 2 }, { op: 'not', filter: { op: 'pr', attrPath: 'c' } }] },
      ],
    });
    assert.deepEqual(parseFilter('(a eq true or b eq false) and c eq null'), {
      op: 'and',
      filters: [
        { op: 'or', filters: [{ op: 'eq', attrPath: 'a', compValue: true }, { op: 'eq', attrPath: 'b', compValue: false }] },
        { op: 'eq', attrPath: 'c', compValue: null },
      ],
    });
  });

  test('attribute paths with schema URNs and value paths', () => {
    assert.deepEqual(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42"'), {
      op: 'eq',
      attrPath: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
      compValue: '42',
    });
    assert.deepEqual(parseFilter('emails[type eq "work" and value co "@example.com"]'), {
      op: '[]',
      attrPath: 'emails',
      valFilter: { op: 'and', filters: [{ op: 'eq', attrPath: 'type', compValue: 'work' }, { op: 'co', attrPath: 'value', compValue: '@example.com' }] },
    });
  });

  test('strings are JSON strings: escapes decode (the package alone gets these wrong)', () => {
    assert.equal(value('userName eq "a\\\\b"'), 'a\\b');
    assert.equal(value('userName eq "a\\\\"'), 'a\\');
    assert.equal(value('userName eq "\\u00e9\\n"'), 'é\n');
    assert.equal(value('userName eq "say \\"hi\\""'), 'say "hi"');
    assert.equal(value('userName eq "x)(objectClass=*"'), 'x)(objectClass=*');
    assert.equal(value('userName eq "中文 ß ø"'), '中文 ß ø');
    assert.equal(value('userName eq "\\u0000"'), '\u0000');
    // A quoted string that looks like a placeholder number stays a string.
    assert.equal(value('userName eq "0" and x eq "1"', 1), '1');
  });

  test('syntax faults are 400 invalidFilter', () => {
    for (const text of ['', '   ', 'userName', 'userName eq', 'userName xx "a"', 'userName eq "a" extra', '(userName eq "a"', 'userName eq "a', 'userName eq "\\q"', 'userName eq unquoted', 'userName eq "a" and', 'x'.repeat(10_001)]) {
      invalidFilter(text);
    }
  });

  test('an unterminated string full of newlines fails fast (no catastrophic backtracking)', () => {
    const started = performance.now();
    invalidFilter(`userName eq "${'\n'.repeat(5000)}`);
    assert.ok(performance.now() - started < 200);
  });
});

function value(text: string, index = 0): unknown {
  const filter = parseFilter(text) as { compValue?: unknown; filters?: { compValue?: unknown }[] };
  return filter.filters ? filter.filters[index]?.compValue : filter.compValue;
}

describe('parseAttrPath (RFC 7644 §3.10)', () => {
  test('splits URN, attribute and sub-attribute', () => {
    assert.deepEqual(parseAttrPath('name.givenName'), { attribute: 'name', subAttribute: 'givenName' });
    assert.deepEqual(parseAttrPath('urn:ietf:params:scim:schemas:core:2.0:User:userName'), { schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attribute: 'userName' });
    assert.deepEqual(parseAttrPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value'), {
      schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      attribute: 'manager',
      subAttribute: 'value',
    });
    assert.throws(() => parseAttrPath('a.b.c'), { scimType: 'invalidPath' });
  });
});
