import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter } from '../../src/scim/filter.ts';
import { CORE_GROUP, CORE_USER } from '../../src/scim/urns.ts';
import { groupFilterMap, userFilterMap } from '../../src/agent/scim/filter-map.ts';
import { filterToLdap } from '../../src/agent/scim/filter-to-ldap.ts';

const users = { coreSchema: CORE_USER, map: userFilterMap };
const groups = { coreSchema: CORE_GROUP, map: groupFilterMap };
const ldap = (scim: string, target = users) => filterToLdap(parseFilter(scim), target);
const UPN_OR_SAM = (t: (a: string) => string) => `(|${t('userPrincipalName')}(&(!(userPrincipalName=*))${t('sAMAccountName')}))`;

describe('SCIM filter to LDAP filter', () => {
  test('every operator on a text attribute', () => {
    assert.equal(ldap('displayName eq "Ann"'), '(displayName=Ann)');
    assert.equal(ldap('displayName ne "Ann"'), '(!(displayName=Ann))');
    assert.equal(ldap('displayName co "nn"'), '(displayName=*nn*)');
    assert.equal(ldap('displayName sw "A"'), '(displayName=A*)');
    assert.equal(ldap('displayName ew "n"'), '(displayName=*n)');
    assert.equal(ldap('displayName pr'), '(displayName=*)');
    assert.equal(ldap('displayName ge "M"'), '(displayName>=M)');
    assert.equal(ldap('displayName le "M"'), '(displayName<=M)');
    assert.equal(ldap('displayName gt "M"'), '(&(displayName>=M)(!(displayName=M)))');
    assert.equal(ldap('displayName lt "M"'), '(&(displayName<=M)(!(displayName=M)))');
    assert.equal(ldap('displayName eq null'), '(!(displayName=*))');
  });

  test('and, or, not, precedence and value paths', () => {
    assert.equal(ldap('title eq "a" or title eq "b" and not (displayName pr)'), '(|(title=a)(&(title=b)(!(displayName=*))))');
    assert.equal(ldap('emails[value ew "@corp.test"]'), '(mail=*@corp.test)');
    assert.equal(ldap('emails co "x"'), '(mail=*x*)');
  });

  test('userName is userPrincipalName, else sAMAccountName', () => {
    assert.equal(ldap('userName eq "ann@corp.test"'), UPN_OR_SAM((a) => `(${a}=ann@corp.test)`));
    assert.equal(ldap('userName pr'), '(|(userPrincipalName=*)(sAMAccountName=*))');
    assert.equal(ldap('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "a"'), UPN_OR_SAM((a) => `(${a}=a*)`));
  });

  test('LDAP metacharacters, NUL and non-ASCII are escaped per RFC 4515', () => {
    assert.equal(ldap('displayName eq "x)(objectClass=*"'), '(displayName=x\\29\\28objectClass=\\2a)');
    assert.equal(ldap('displayName co "*"'), '(displayName=*\\2a*)');
    assert.equal(ldap('displayName sw "a\\\\b"'), '(displayName=a\\5cb*)');
    assert.equal(ldap('displayName eq "\\u0000"'), '(displayName=\\00)');
    // Non-ASCII goes as UTF-8 text: ldapts would mangle \XX escapes of UTF-8 bytes.
    assert.equal(ldap('displayName eq "Zoë 中文 ß"'), '(displayName=Zoë 中文 ß)');
  });

  test('id and AD GUIDs compare as the 16 stored bytes', () => {
    const guid = '6b2f0b3e-1d2c-4a5b-9c8d-7e6f5a4b3c2d';
    const bytes = '\\3e\\0b\\2f\\6b\\2c\\1d\\5b\\4a\\9c\\8d\\7e\\6f\\5a\\4b\\3c\\2d';
    assert.equal(ldap(`id eq "${guid.toUpperCase()}"`), `(objectGUID=${bytes})`);
    assert.equal(ldap(`id ne "${guid}"`), `(!(objectGUID=${bytes}))`);
    assert.equal(ldap(`urn:canopy:params:scim:schemas:extension:ad:2.0:Object:msDsConsistencyGuid eq "${guid}"`), `(mS-DS-ConsistencyGuid=${bytes})`);
    const anchor = `(|(mS-DS-ConsistencyGuid=${bytes})(&(!(mS-DS-ConsistencyGuid=*))(objectGUID=${bytes})))`;
    assert.equal(ldap(`externalId eq "${guid}"`), anchor);
    assert.equal(ldap('urn:canopy:params:scim:schemas:extension:ad:2.0:Object:sourceAnchor eq "PgsvaywdW0qcjX5vWks8LQ=="'), anchor);
  });

  test('active reads ACCOUNTDISABLE with the bitwise-AND matching rule', () => {
    assert.equal(ldap('active eq true'), '(!(userAccountControl:1.2.840.113556.1.4.803:=2))');
    assert.equal(ldap('active eq false'), '(userAccountControl:1.2.840.113556.1.4.803:=2)');
    assert.equal(ldap('active ne false'), '(!(userAccountControl:1.2.840.113556.1.4.803:=2))');
    assert.equal(ldap('urn:canopy:params:scim:schemas:extension:ad:2.0:Object:securityEnabled eq true', groups), '(groupType:1.2.840.113556.1.4.803:=2147483648)');
  });

  test('integers, times, SIDs and DNs', () => {
    assert.equal(ldap('urn:canopy:params:scim:schemas:extension:ad:2.0:Object:uSNChanged gt 100'), '(&(uSNChanged>=100)(!(uSNChanged=100)))');
    assert.equal(ldap('meta.lastModified ge "2026-11-28T08:00:00Z"'), '(whenChanged>=20261128080000.0Z)');
    assert.equal(ldap('urn:canopy:params:scim:schemas:extension:ad:2.0:Object:objectSid eq "s-1-5-21-1-2-3-1104"'), '(objectSid=S-1-5-21-1-2-3-1104)');
    assert.equal(ldap('urn:canopy:params:scim:schemas:extension:ad:2.0:Object:distinguishedName eq "CN=a\\\\,b (x),OU=T,DC=corp"'), '(distinguishedName=CN=a\\5c,b \\28x\\29,OU=T,DC=corp)');
    assert.equal(ldap('displayName eq "Admins"', groups), '(|(displayName=Admins)(&(!(displayName=*))(cn=Admins)))');
  });

  test('unknown attributes, wrong value types and unsupported operators are 400 invalidFilter', () => {
    const bad = [
      'nickName eq "x"',
      'userName eq 1',
      'active eq "true"',
      'id eq "not-a-guid"',
      'id co "6b2f"',
      'urn:canopy:params:scim:schemas:extension:ad:2.0:Object:uSNChanged co 1',
      'urn:canopy:params:scim:schemas:extension:ad:2.0:Object:uSNChanged eq 1.5',
      'meta.lastModified gt "yesterday"',
      'urn:example:foo:bar eq "x"',
      'members[value eq "x"]',
    ];
    for (const text of bad) {
      assert.throws(() => ldap(text), { status: 400, scimType: 'invalidFilter' }, text);
    }
    assert.throws(() => ldap('userName eq "x"', groups), { status: 400, scimType: 'invalidFilter' });
  });
});
