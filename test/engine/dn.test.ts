import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsDomainOfDn, isDnWithin, leafRdnValue, normalizeDn } from '../../src/engine/dn.ts';

test('DNs compare case-insensitively, ignoring spaces around separators', () => {
  assert.equal(normalizeDn('CN=Ann Lee, OU=Sales ,DC=Corp,DC=Test'), normalizeDn('cn=ann lee,ou=sales,dc=corp,dc=test'));
});

test('RFC 4514 escapes: \\, and \\2C are the same character; a hex UTF-8 escape equals the character', () => {
  assert.equal(normalizeDn('CN=Lee\\, Ann,OU=Sales,DC=x'), normalizeDn('CN=Lee\\2C Ann,OU=Sales,DC=x'));
  assert.equal(normalizeDn('CN=J\\C3\\A9r\\C3\\B4me,DC=x'), normalizeDn('CN=Jérôme,DC=x'));
  assert.equal(leafRdnValue('CN=Lee\\, Ann,OU=Sales,DC=x'), 'Lee, Ann');
});

test('a container holds its own DN and everything below, not look-alike siblings', () => {
  assert.ok(isDnWithin('CN=A,OU=Sales,DC=x', 'ou=sales,dc=x'));
  assert.ok(isDnWithin('OU=Sales,DC=x', 'OU=Sales,DC=x'));
  assert.ok(isDnWithin('CN=A,OU=EMEA,OU=Sales,DC=x', 'OU=Sales,DC=x'));
  assert.ok(!isDnWithin('CN=A,OU=PreSales,DC=x', 'OU=Sales,DC=x'));
  assert.ok(!isDnWithin('CN=A,OU=Sales\\,Old,DC=x', 'OU=Sales,DC=x'));
  assert.ok(!isDnWithin('CN=A,OU=Sales,DC=y', 'OU=Sales,DC=x'));
});

test('an escaped comma inside a container name stays part of the name', () => {
  assert.ok(isDnWithin('CN=A,OU=R\\,D,DC=x', 'OU=R\\2CD,DC=x'));
  assert.ok(!isDnWithin('CN=A,OU=R\\,D,DC=x', 'OU=D,DC=x'));
});

test('the DNS domain comes from the DC components', () => {
  assert.equal(dnsDomainOfDn('CN=A,OU=B,DC=Corp,DC=Canopy,DC=Test'), 'corp.canopy.test');
  assert.equal(dnsDomainOfDn('CN=A'), undefined);
});
