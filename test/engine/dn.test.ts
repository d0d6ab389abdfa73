import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsDomainOfDn, isDnUnder, isDnWithin, leafRdnValue, normalizeDn, normalizedRdns, parseDn, referenceKey } from '../../src/core/dn.ts';

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

test('an escaped trailing space is part of the value; unescaped ones are not', () => {
  assert.equal(normalizeDn('CN=Ann\\ ,DC=x'), 'cn=ann ,dc=x');
  assert.equal(normalizeDn('CN=Ann  ,DC=x'), 'cn=ann,dc=x');
  assert.equal(leafRdnValue('CN=Ann\\ ,DC=x'), 'Ann ');
});

test('hex runs decode as UTF-8 beside character escapes in one value', () => {
  assert.equal(normalizeDn('CN=M\\C3\\BCller\\, J\\2b,DC=x'), 'cn=müller, j+,dc=x');
});

test('repeated parses (served from the cache) give the same, unmodifiable answer', () => {
  const dn = 'CN=Cached\\, One,OU=Sales,DC=x';
  const first = parseDn(dn);
  assert.deepEqual(parseDn(dn), first);
  assert.throws(() => (first as string[]).push('dc=y'));
  assert.deepEqual(parseDn(dn), ['cn=cached, one', 'ou=sales', 'dc=x']);
  for (let i = 0; i < 50_000; i++) normalizeDn(`CN=U${i},DC=x`); // past both cache generations
  assert.equal(normalizeDn(dn), 'cn=cached\\, one,ou=sales,dc=x'.replace('\\', ''));
});

test('strict callers (the AD reader) refuse a string that is not a DN; lenient ones key it as text', () => {
  assert.throws(() => normalizedRdns('not a dn'), TypeError);
  assert.throws(() => isDnUnder('CN=a,DC=x', 'garbage'), TypeError);
  assert.equal(normalizeDn('Not A DN'), 'not a dn');
  assert.equal(referenceKey('0A1B2C3D-0000-4000-8000-00000000000F'), '0a1b2c3d-0000-4000-8000-00000000000f');
  assert.equal(referenceKey('CN=A ,OU=B,DC=x'), 'cn=a,ou=b,dc=x');
});
