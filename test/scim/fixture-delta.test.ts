/**
 * A /Delta full read of the whole fixture forest through the real AD reader, as the engine
 * consumes it: every source attribute the engine's default mapping reads (and every AD
 * attribute its source schema lists) arrives with the value the fixture put into AD, once
 * the engine's change source has turned the resources back into AD-shaped objects. The
 * member lookups of the read run while its paged search stays open (the DC keeps ~10
 * paged searches per connection), so the read also shows that they do not evict it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdReader } from '../../src/ad/reader.ts';
import type { AdObject } from '../../src/core/ad-object.ts';
import { createScimHandler, type ScimHandler } from '../../src/agent/scim-service.ts';
import { MemberResolver } from '../../src/agent/scim/member-resolver.ts';
import { DEFAULT_SCHEMA } from '../../src/engine/schema/default-schema.ts';
import { changeFromScim } from '../../src/engine/scim-change-source.ts';
import { readAttribute, type SourceView } from '../../src/engine/source-attributes.ts';
import { CANOPY_AD_OBJECT } from '../../src/scim/urns.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { inScopeObjects, loadFixture, normalizeDn, type FixtureObject } from '../support/fixture.ts';

type Json = Record<string, unknown>;

const skip = skipReason();

/** Source attributes of one object type: what the default mapping reads and what the source schema lists. */
function sourceNames(kind: 'user' | 'group'): string[] {
  const rule = DEFAULT_SCHEMA.synchronizationRules[0];
  const mapping = rule?.objectMappings.find((m) => m.sourceObjectName === kind);
  const directory = DEFAULT_SCHEMA.directories.find((d) => d.name === rule?.sourceDirectoryName);
  const listed = directory?.objects.find((o) => o.name === kind)?.attributes.map((a) => a.name) ?? [];
  const mapped = (mapping?.attributeMappings ?? []).map((m) => m.source?.name).filter((n): n is string => typeof n === 'string');
  return [...new Set([...mapped, ...listed])];
}

/** Neither side can know these from the fixture (the DC assigns SIDs), or they never sync. */
const NOT_IN_FIXTURE = new Set(['objectsid', 'iscriticalsystemobject']);
const UNORDERED = new Set(['proxyaddresses', 'member', 'description']);

describe('/Delta full read of the fixture, as the engine reads it', { skip }, () => {
  let reader: AdReader;
  let handler: ScimHandler;
  const resources: Json[] = [];
  let seconds = 0;

  before(async () => {
    const env = adEnv();
    reader = await AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn, scopeDns: [loadFixture().rootDn] });
    handler = createScimHandler({ source: reader });
    const started = performance.now();
    let watermark: string | undefined;
    for (let i = 0; i < 100; i += 1) {
      const { status, body } = await handler({ method: 'GET', path: '/Delta', query: { count: '1000', ...(watermark ? { watermark } : {}) } });
      assert.equal(status, 200, JSON.stringify(body));
      const delta = body as { Resources: Json[]; watermark: string; more: boolean };
      resources.push(...delta.Resources);
      watermark = delta.watermark;
      if (!delta.more) break;
    }
    seconds = (performance.now() - started) / 1000;
  });
  after(async () => reader?.close());

  test('every in-scope user and group once; member lookups ran inside the open read', () => {
    const fixture = loadFixture();
    const expected = inScopeObjects(fixture).filter((o) => o.kind === 'user' || o.kind === 'group');
    console.log(`# /Delta full read: ${resources.length} resources in ${seconds.toFixed(2)} s`);
    assert.equal(resources.length, expected.length);
    assert.equal(new Set(resources.map((r) => r.id)).size, resources.length);
  });

  test('each source attribute of the default mapping round-trips through SCIM with the fixture value', () => {
    const fixture = loadFixture();
    const inScope = inScopeObjects(fixture);
    const byDn = new Map<string, Json>();
    for (const resource of resources) byDn.set(normalizeDn(String((resource[CANOPY_AD_OBJECT] as Json).distinguishedName)), resource);
    // References arrive as objectGUIDs; only in-scope users and groups are referenced.
    const idOfDn = (dn: string): string[] => {
      const found = byDn.get(normalizeDn(dn));
      return found ? [String(found.id)] : [];
    };
    const checked = new Map<string, number>();
    for (const object of inScope) {
      if (object.kind !== 'user' && object.kind !== 'group') continue;
      const resource = byDn.get(normalizeDn(object.dn));
      assert.ok(resource, `${object.dn} is delivered`);
      const change = changeFromScim(resource);
      assert.equal(change?.kind, 'upsert');
      if (change?.kind !== 'upsert') continue;
      assert.equal(change.complete, true);
      const anchor = String(resource.externalId);
      assert.equal(anchor, object.consistencyGuid ?? resource.id, 'externalId is the source anchor');
      const fromScim: SourceView = { object: change.object, complete: true, anchor };
      const fromFixture: SourceView = { object: fixtureObject(object, change.object, idOfDn), complete: true, anchor };
      for (const name of sourceNames(object.kind)) {
        if (NOT_IN_FIXTURE.has(name.toLowerCase())) continue;
        const got = [...(readAttribute(fromScim, name) ?? ['<unknown>'])];
        const want = [...(readAttribute(fromFixture, name) ?? ['<unknown>'])];
        if (UNORDERED.has(name.toLowerCase())) {
          got.sort();
          want.sort();
        }
        assert.deepEqual(got, want, `${object.kind} ${object.dn}: ${name}`);
        if (want.length > 0) checked.set(`${object.kind}.${name}`, (checked.get(`${object.kind}.${name}`) ?? 0) + 1);
      }
      assert.match(change.object.objectSid ?? '', /^S-1-5-21-\d+-\d+-\d+-\d+$/);
    }
    // The comparison saw real values for the attributes the engine reported missing.
    for (const name of ['group.description', 'user.cn', 'group.cn', 'user.co', 'user.c', 'user.manager', 'group.member', 'user.mobile']) {
      assert.ok((checked.get(name) ?? 0) > 0, `${name} was compared with a value`);
    }
  });

  test('a group description arrives through /Groups/{id} as through /Delta', async () => {
    const fixture = loadFixture();
    const group = inScopeObjects(fixture).find((o) => o.kind === 'group' && o.attributes.description?.[0]);
    assert.ok(group);
    const fromDelta = resources.find((r) => normalizeDn(String((r[CANOPY_AD_OBJECT] as Json).distinguishedName)) === normalizeDn(group.dn));
    assert.ok(fromDelta);
    const { status, body } = await handler({ method: 'GET', path: `/Groups/${String(fromDelta.id)}` });
    assert.equal(status, 200);
    const ad = (body as Json)[CANOPY_AD_OBJECT] as Json;
    assert.equal(ad.description, group.attributes.description?.[0]);
    assert.equal(ad.cn, group.attributes.cn?.[0]);
    assert.deepEqual(body, fromDelta);
  });
});

describe('member lookups while a paged read is open', { skip }, () => {
  test('many concurrent batched DN lookups do not evict the open paged search of a /Delta read', async () => {
    const env = adEnv();
    const fixture = loadFixture();
    // An OU holding a few hundred users and groups, read in pages of 25: the read stays
    // open (one paged search) across many /Delta responses.
    const servedDns = new Set(inScopeObjects(fixture).filter((o) => o.kind === 'user' || o.kind === 'group').map((o) => normalizeDn(o.dn)));
    const ous = inScopeObjects(fixture).filter((o) => o.kind === 'organizationalUnit');
    const below = (dns: Iterable<string>, ou: FixtureObject) => [...dns].filter((dn) => dn.endsWith(`,${normalizeDn(ou.dn)}`));
    const sizeOf = (ou: FixtureObject) => below(servedDns, ou).length;
    const scope = ous.map((ou) => ({ ou, size: sizeOf(ou) })).sort((a, b) => Math.abs(a.size - 300) - Math.abs(b.size - 300))[0];
    assert.ok(scope && scope.size > 100, `scope ${scope?.ou.dn}: ${scope?.size}`);
    const reader = await AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn, scopeDns: [scope.ou.dn], pageSize: 25 });
    try {
      const handler = createScimHandler({ source: reader });
      const ids = new Set<unknown>();
      let watermark: string | undefined;
      const next = async () => {
        const { status, body } = await handler({ method: 'GET', path: '/Delta', query: { count: '25', ...(watermark ? { watermark } : {}) } });
        assert.equal(status, 200, JSON.stringify(body));
        const delta = body as { Resources: Json[]; watermark: string; more: boolean };
        for (const r of delta.Resources) ids.add(r.id);
        watermark = delta.watermark;
        return delta.more;
      };
      assert.equal(await next(), true);
      // Twelve resolvers at once (each up to four calls in flight) over the big group's
      // 3,500 members: were these paged searches, more than ten would be open together
      // and the DC would drop the read's own (LDAP 53 on its next page).
      const members = fixture.objects.find((o) => normalizeDn(o.dn) === normalizeDn(fixture.notable.bigGroup))?.attributes.member ?? [];
      const chunk = Math.ceil(members.length / 12);
      const resolved = await Promise.all(Array.from({ length: 12 }, (_, i) => new MemberResolver(reader).resolve(members.slice(i * chunk, (i + 1) * chunk))));
      // The reader is scoped to the OU: only members below it resolve (the others are asked all the same).
      assert.ok(members.length > 3000);
      assert.equal(resolved.flat().length, below(members.map(normalizeDn).filter((dn) => servedDns.has(dn)), scope.ou).length);
      for (let i = 0; i < 100 && (await next()); i += 1);
      assert.equal(ids.size, scope.size);
    } finally {
      await reader.close();
    }
  });
});

/** The fixture's object in the engine's shape, references as the ids the read delivered. */
function fixtureObject(object: FixtureObject, read: AdObject, idOfDn: (dn: string) => string[]): AdObject {
  const attributes: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(object.attributes)) {
    if (name === 'mS-DS-ConsistencyGuid') continue;
    attributes[name] = name === 'member' || name === 'manager' ? values.flatMap(idOfDn) : values.map(String);
  }
  return {
    dn: object.dn,
    objectGuid: read.objectGuid,
    objectClass: read.objectClass,
    objectClasses: object.objectClass,
    ...(object.consistencyGuid ? { consistencyGuid: object.consistencyGuid } : {}),
    attributes,
  };
}
