import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guidToBytes, sidToBytes } from '../../src/ad/decode.ts';
import { mostSpecificClass, toAdObject } from '../../src/ad/entry.ts';
import { withForcedRanges } from '../../src/ad/ranged.ts';

const guid = '6e2a9f0f-b2a1-d4c3-e5f6-0718293a4b5c';
const consistency = '0a0b0c0d-0e0f-1011-1213-141516171819';

test('an entry becomes an AdObject with decoded identifiers and times', () => {
  const object = toAdObject({
    dn: 'CN=Zoë,OU=S,DC=x',
    objectGUID: guidToBytes(guid),
    objectSid: sidToBytes('S-1-5-21-1-2-3-1105'),
    'mS-DS-ConsistencyGuid': guidToBytes(consistency),
    objectClass: ['top', 'person', 'organizationalPerson', 'user'],
    cn: 'Zoë',
    proxyAddresses: ['SMTP:a@x', 'smtp:b@x'],
    accountExpires: '9223372036854775807',
    pwdLastSet: '132539328000000000',
    lastLogonTimestamp: '0',
    whenCreated: '20261128085131.0Z',
    thumbnailPhoto: Buffer.from([0xff, 0xd8, 0xff]),
    mail: [],
  });
  assert.ok(object);
  assert.equal(object.objectGuid, guid);
  assert.equal(object.objectSid, 'S-1-5-21-1-2-3-1105');
  assert.equal(object.consistencyGuid, consistency);
  assert.equal(object.objectClass, 'user');
  assert.deepEqual(object.attributes, {
    cn: ['Zoë'],
    proxyAddresses: ['SMTP:a@x', 'smtp:b@x'],
    pwdLastSet: ['2021-01-01T00:00:00.000Z'],
    whenCreated: ['2026-11-28T08:51:31.000Z'],
    thumbnailPhoto: ['/9j/'],
  });
});

test('entries without a GUID or of a class not synced are skipped', () => {
  assert.equal(toAdObject({ dn: 'CN=c,DC=x', objectClass: ['top', 'container'], objectGUID: guidToBytes(guid) }), undefined);
  assert.equal(toAdObject({ dn: 'CN=u,DC=x', objectClass: ['top', 'user'] }), undefined);
});

test('the most specific class wins: a computer is a user too', () => {
  assert.equal(mostSpecificClass(['top', 'person', 'organizationalPerson', 'user', 'computer']), 'computer');
  assert.equal(mostSpecificClass(['top', 'person', 'organizationalPerson', 'user', 'inetOrgPerson']), 'user');
  assert.equal(mostSpecificClass(['top', 'group']), 'group');
  assert.equal(mostSpecificClass(['top', 'person', 'organizationalPerson', 'contact']), 'contact');
});

test('forced ranges ask for member in slices of maxValueRange', () => {
  assert.deepEqual(withForcedRanges(['cn', 'member'], 500), ['cn', 'member;range=0-499']);
  assert.deepEqual(withForcedRanges(['cn', 'member'], undefined), ['cn', 'member']);
});
