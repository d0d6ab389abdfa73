import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dnFromExtendedDn, fileTimeToIso, generalizedTimeToIso, groupTypeInfo, guidFromBase64, guidFromBytes, guidFromExtendedDn,
  guidToBase64, guidToBytes, isAccountDisabled, isoToFileTime, sidFromBytes, sidToBytes, userAccountControlFlags,
} from '../../src/ad/decode.ts';

describe('GUIDs', () => {
  // MS-DTYP 2.3.4.2: the first three fields little-endian. Known pair from a Windows DC:
  // objectGUID bytes 0f 9f 2a 6e … read as 6e2a9f0f-….
  const bytes = Buffer.from('0f9f2a6ea1b2c3d4e5f60718293a4b5c', 'hex');
  const text = '6e2a9f0f-b2a1-d4c3-e5f6-0718293a4b5c';

  test('bytes to string and back', () => {
    assert.equal(guidFromBytes(bytes), text);
    assert.deepEqual(guidToBytes(text), bytes);
    assert.deepEqual(guidToBytes(text.toUpperCase()), bytes);
  });

  test('base64 is of the AD byte order (onPremisesImmutableId)', () => {
    assert.equal(guidToBase64(text), bytes.toString('base64'));
    assert.equal(guidFromBase64(bytes.toString('base64')), text);
  });

  test('bad input is refused', () => {
    assert.throws(() => guidFromBytes(Buffer.alloc(15)), TypeError);
    assert.throws(() => guidToBytes('not-a-guid'), TypeError);
    assert.throws(() => guidToBytes('6e2a9f0f-b2a1-d4c3-e5f6-0718293a4b5'), TypeError);
  });
});

describe('SIDs', () => {
  test('a domain user SID decodes to S-1-5-21-…', () => {
    // As Samba returned it for a user: revision 1, 5 sub-authorities, authority 5.
    const bytes = Buffer.from('AQUAAAAAAAUVAAAAjBuCfsOdcYPLqmmYTgQAAA==', 'base64');
    assert.equal(sidFromBytes(bytes), 'S-1-5-21-2122455948-2205261251-2557061835-1102');
    assert.deepEqual(sidToBytes('S-1-5-21-2122455948-2205261251-2557061835-1102'), bytes);
  });

  test('well-known SIDs and length checks', () => {
    assert.equal(sidFromBytes(sidToBytes('S-1-5-32-544')), 'S-1-5-32-544');
    assert.equal(sidFromBytes(sidToBytes('S-1-1-0')), 'S-1-1-0');
    assert.throws(() => sidFromBytes(Buffer.from('0105000000000005', 'hex')), TypeError);
    assert.throws(() => sidToBytes('X-1-5'), TypeError);
  });
});

describe('times', () => {
  test('FILETIME: 0 and 0x7FFFFFFFFFFFFFFF mean never', () => {
    assert.equal(fileTimeToIso('0'), undefined);
    assert.equal(fileTimeToIso('9223372036854775807'), undefined);
    assert.equal(fileTimeToIso(0x7fffffffffffffffn), undefined);
  });

  test('FILETIME to ISO and back', () => {
    // 2021-01-01T00:00:00Z = 132539328000000000 (100-ns intervals since 1601).
    assert.equal(fileTimeToIso('132539328000000000'), '2021-01-01T00:00:00.000Z');
    assert.equal(fileTimeToIso('116444736000000000'), '1970-01-01T00:00:00.000Z');
    assert.equal(isoToFileTime('2021-01-01T00:00:00Z'), '132539328000000000');
    assert.throws(() => fileTimeToIso('soon'), TypeError);
  });

  test('generalized time as AD writes it, and with offsets and fractions', () => {
    assert.equal(generalizedTimeToIso('20261128085131.0Z'), '2026-11-28T08:51:31.000Z');
    assert.equal(generalizedTimeToIso('20261128085131Z'), '2026-11-28T08:51:31.000Z');
    assert.equal(generalizedTimeToIso('20261128085131.25Z'), '2026-11-28T08:51:31.250Z');
    assert.equal(generalizedTimeToIso('202611280851+0200'), '2026-11-28T06:51:00.000Z');
    assert.equal(generalizedTimeToIso('2026112808.5Z'), '2026-11-28T08:30:00.000Z');
    assert.throws(() => generalizedTimeToIso('20261128085131'), TypeError);
    assert.throws(() => generalizedTimeToIso('2026-11-28'), TypeError);
  });
});

describe('userAccountControl and groupType', () => {
  test('flags by name (MS-ADTS 2.2.16)', () => {
    assert.deepEqual(userAccountControlFlags(512), ['NORMAL_ACCOUNT']);
    assert.deepEqual(userAccountControlFlags('514'), ['ACCOUNTDISABLE', 'NORMAL_ACCOUNT']);
    assert.deepEqual(userAccountControlFlags(66048), ['NORMAL_ACCOUNT', 'DONT_EXPIRE_PASSWORD']);
    assert.deepEqual(userAccountControlFlags(4098), ['ACCOUNTDISABLE', 'WORKSTATION_TRUST_ACCOUNT']);
    assert.equal(isAccountDisabled('546'), true);
    assert.equal(isAccountDisabled(512), false);
    assert.throws(() => userAccountControlFlags('x'), TypeError);
  });

  test('groupType is signed in LDAP', () => {
    assert.deepEqual(groupTypeInfo('-2147483646'), { security: true, scope: 'global' });
    assert.deepEqual(groupTypeInfo(-2147483640), { security: true, scope: 'universal' });
    assert.deepEqual(groupTypeInfo(4), { security: false, scope: 'domainLocal' });
  });
});

test('extended DNs lose their <GUID=…>;<SID=…>; prefixes', () => {
  const value = '<GUID=9bfbd888-56b4-4e9a-a48a-51877b19eab4>;<SID=S-1-5-21-1-2-3-4>;OU=Scope,DC=scratch,DC=test';
  assert.equal(dnFromExtendedDn(value), 'OU=Scope,DC=scratch,DC=test');
  assert.equal(guidFromExtendedDn(value), '9bfbd888-56b4-4e9a-a48a-51877b19eab4');
  assert.equal(dnFromExtendedDn('OU=Plain,DC=x'), 'OU=Plain,DC=x');
});
