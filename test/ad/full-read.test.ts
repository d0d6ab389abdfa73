/**
 * A full read of the fixture forest, compared object by object and attribute by
 * attribute with the generator's own description (no ldapsearch involved).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdObject, AdObjectClass } from '../../src/core/ad-object.ts';
import { eq, or } from '../../src/ad/filter.ts';
import { AdReader } from '../../src/ad/reader.ts';
import { guidToBase64, guidFromBase64 } from '../../src/ad/decode.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { inScopeObjects, loadFixture, normalizeDn, type FixtureDescription, type FixtureObject } from '../support/fixture.ts';
import { collect, readerOptions } from './helpers.ts';

/** Attributes the DC sets itself; the generator does not write them. */
const DC_SET = new Set(['name', 'whenCreated', 'whenChanged', 'uSNCreated', 'uSNChanged', 'accountExpires', 'pwdLastSet', 'lastLogonTimestamp']);
/** AD does not keep the order of these multi-valued attributes. */
const UNORDERED = new Set(['proxyAddresses', 'member', 'otherTelephone', 'otherMobile', 'objectClass']);

function compareObject(read: AdObject, expected: FixtureObject): void {
  const where = expected.dn;
  assert.equal(read.objectClass, expected.kind, where);
  assert.deepEqual([...read.objectClasses], [...expected.objectClass], where);
  assert.equal(read.consistencyGuid, expected.consistencyGuid, where);
  for (const [name, values] of Object.entries(expected.attributes)) {
    if (name === 'mS-DS-ConsistencyGuid') {
      assert.equal(guidToBase64(read.consistencyGuid as string), values[0], where);
      continue;
    }
    const got = read.attributes[name];
    assert.ok(got, `${where}: ${name} missing`);
    if (UNORDERED.has(name)) {
      const norm = (list: readonly string[]) => list.map((v) => (name === 'member' ? normalizeDn(v) : v)).sort();
      assert.deepEqual(norm(got), norm(values), `${where}: ${name}`);
    } else if (name === 'manager') {
      assert.deepEqual(got.map(normalizeDn), values.map(normalizeDn), `${where}: ${name}`);
    } else {
      assert.deepEqual([...got], [...values], `${where}: ${name}`);
    }
  }
  for (const name of Object.keys(read.attributes)) {
    assert.ok(name in expected.attributes || DC_SET.has(name), `${where}: unexpected attribute ${name}`);
  }
  assert.match(read.attributes.whenCreated?.[0] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, where);
}

describe('full read of the fixture', { skip: skipReason() }, () => {
  let fixture: FixtureDescription;
  let reader: AdReader;
  before(async () => {
    fixture = loadFixture();
    reader = await AdReader.connect(readerOptions({ scopeDns: [fixture.rootDn], pageSize: 400 }));
  });
  after(() => reader?.close());

  test('returns exactly the in-scope objects, every attribute as generated', async () => {
    const expected = new Map(inScopeObjects(fixture).map((o) => [normalizeDn(o.dn), o]));
    const read = await collect(reader.readAll({ classes: ['user', 'computer', 'group', 'organizationalUnit', 'contact'] }));
    const seen = new Set<string>();
    for (const object of read) {
      const key = normalizeDn(object.dn);
      assert.ok(!seen.has(key), `read twice: ${object.dn}`);
      seen.add(key);
      const want = expected.get(key);
      assert.ok(want, `read an object the fixture does not have in scope: ${object.dn}`);
      compareObject(object, want);
      assert.match(object.objectGuid, /^[0-9a-f-]{36}$/);
      if (object.objectClass !== 'organizationalUnit' && object.objectClass !== 'contact') assert.match(object.objectSid ?? '', /^S-1-5-21-\d+-\d+-\d+-\d+$/);
    }
    assert.equal(read.length, expected.size);
    // Groups come last, so that their member DNs name objects already read.
    const firstGroup = read.findIndex((o) => o.objectClass === 'group');
    assert.ok(firstGroup > 0, 'the fixture has groups and other objects');
    assert.deepEqual(read.slice(firstGroup).filter((o) => o.objectClass !== 'group').map((o) => o.dn), [], 'nothing but groups after the first group');
  });

  test('defaults to users, groups and OUs; classes choose', async () => {
    const counts = (objects: AdObject[]) => objects.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.objectClass]: (acc[o.objectClass] ?? 0) + 1 }), {});
    const want = inScopeObjects(fixture).reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.kind]: (acc[o.kind] ?? 0) + 1 }), {});
    const byDefault = counts(await collect(reader.readAll()));
    assert.deepEqual(byDefault, { user: want.user, group: want.group, organizationalUnit: want.organizationalUnit });
    const computers = counts(await collect(reader.readAll({ classes: ['computer'] })));
    assert.deepEqual(computers, { computer: want.computer });
  });

  test('never reads the excluded objects or anything outside the scope', async () => {
    // The sync account is always excluded; other never-sync accounts are configured.
    const wide = await AdReader.connect(readerOptions({ excludeDns: [adEnv().noRightsBindDn] }));
    const all: AdObjectClass[] = ['user', 'computer', 'group', 'organizationalUnit', 'contact'];
    const sams = fixture.excluded.map((e) => e.sAMAccountName).filter((s): s is string => s !== undefined);
    const outside = fixture.objects.filter((o) => o.scope === 'outside' && o.attributes.sAMAccountName).slice(0, 5);
    const bySam = (list: readonly FixtureObject[]) => or(...list.map((o) => eq('sAMAccountName', o.attributes.sAMAccountName?.[0] as string)));
    try {
      assert.deepEqual(await collect(wide.search({ filter: or(...sams.map((s) => eq('sAMAccountName', s))), classes: all })), []);
      const excludedOus = fixture.excluded.filter((e) => !e.sAMAccountName).map((e) => e.dn);
      for (const dn of excludedOus) assert.equal(await wide.readObject({ dn }), undefined, dn);
      // Scoped to the domain head the Outside OU is read; scoped to the fixture root, never.
      assert.equal((await collect(wide.search({ filter: bySam(outside) }))).length, outside.length);
    } finally {
      await wide.close();
    }
    assert.deepEqual(await collect(reader.search({ filter: bySam(outside) })), []);
    assert.equal(await reader.readObject({ dn: fixture.outsideDn }), undefined);
  });

  test('the ≥ 3,000-member group reads completely with ranges forced to 500', async () => {
    const big = fixture.objects.find((o) => normalizeDn(o.dn) === normalizeDn(fixture.notable.bigGroup)) as FixtureObject;
    const members = big.attributes.member ?? [];
    assert.ok(members.length >= 3000, `the fixture's big group has ${members.length} members`);
    const ranged = await AdReader.connect(readerOptions({ scopeDns: [fixture.rootDn], maxValueRange: 500 }));
    try {
      const read = await ranged.readObject({ dn: big.dn });
      assert.ok(read);
      assert.equal(read.attributes.member?.length, members.length);
      assert.deepEqual(new Set(read.attributes.member?.map(normalizeDn)), new Set(members.map(normalizeDn)));
      // The same through a paged full read of groups.
      const groups = await collect(ranged.readAll({ classes: ['group'] }));
      const viaSearch = groups.find((g) => normalizeDn(g.dn) === normalizeDn(big.dn));
      assert.equal(viaSearch?.attributes.member?.length, members.length);
      const empty = groups.find((g) => normalizeDn(g.dn) === normalizeDn(fixture.notable.emptyGroup));
      assert.ok(empty && empty.attributes.member === undefined);
    } finally {
      await ranged.close();
    }
  });

  test('resolves thousands of member DNs in batches', async () => {
    const big = fixture.objects.find((o) => normalizeDn(o.dn) === normalizeDn(fixture.notable.bigGroup)) as FixtureObject;
    const members = big.attributes.member ?? [];
    const asked = [...members, `CN=nobody,${fixture.rootDn}`, fixture.notable.outsideGroupWithInScopeMembers];
    const found = await reader.readObjectsByDn(asked, { attributes: ['sAMAccountName'] });
    assert.equal(found.size, members.length);
    for (const dn of members) {
      const object = found.get(dn);
      assert.ok(object, dn);
      assert.equal(object.objectClass, 'user');
      assert.deepEqual(Object.keys(object.attributes), ['sAMAccountName']);
    }
  });

  test('reads one object by GUID and by DN, and not outside the scope', async () => {
    const ceo = await reader.readObject({ dn: fixture.notable.ceo });
    assert.ok(ceo);
    const byGuid = await reader.readObject({ objectGuid: ceo.objectGuid });
    assert.deepEqual(byGuid, ceo);
    assert.equal(guidFromBase64(guidToBase64(ceo.objectGuid)), ceo.objectGuid);
    assert.equal(await reader.readObject({ objectGuid: '00000000-0000-0000-0000-000000000001' }), undefined);
    assert.equal(await reader.readObject({ dn: fixture.notable.outsideGroupWithInScopeMembers }), undefined);
    assert.equal(await reader.readObject({ dn: `CN=nobody,${fixture.rootDn}` }), undefined);
    // Another domain: the DC answers with a referral, which is never chased.
    assert.equal(await reader.readObject({ dn: 'CN=somebody,DC=elsewhere,DC=example' }), undefined);
  });
});
