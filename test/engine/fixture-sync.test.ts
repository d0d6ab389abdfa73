/**
 * The engine over the real parts it will be wired to: the Samba DC's fixture forest, read
 * by the AD reader, served by the agent's SCIM service (called directly, without the
 * relay), through the SCIM change source into the real SQLite store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdReader } from '../../src/ad/reader.ts';
import type { AdObjectClass } from '../../src/core/ad-object.ts';
import { createScimHandler } from '../../src/agent/scim-service.ts';
import { iteratePages } from '../../src/directory/store.ts';
import type { DirectoryUser } from '../../src/directory/types.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import { createScimChangeSource } from '../../src/engine/scim-change-source.ts';
import { immutableIdOf } from '../../src/engine/source-attributes.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { inScopeObjects, loadFixture, normalizeDn, type FixtureObject } from '../support/fixture.ts';
import { openHarness, type Harness } from './support.ts';

describe('engine over the fixture forest (AD reader → SCIM service → engine → SQLite)', { skip: skipReason() }, () => {
  let reader: AdReader;
  let h: Harness;
  const fixture = skipReason() ? undefined : loadFixture();

  before(async () => {
    const env = adEnv();
    reader = await AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn, scopeDns: [fixture!.rootDn] });
    h = await openHarness({ containers: [fixture!.rootDn] });
  });
  after(async () => {
    await reader?.close();
    await h?.close();
  });

  test('initial sync: every in-scope user and group with its attributes and members; then a quiet delta', async () => {
    const handler = createScimHandler({
      source: {
        search: (options) => reader.search({ ...options, classes: options.classes ? ([...options.classes] as AdObjectClass[]) : undefined }),
        readObject: (key) => reader.readObject(key),
        readChanges: (watermark) => reader.readChanges(watermark),
      },
    });
    const source = createScimChangeSource(async (_tenant, request) => handler(request), { pageSize: 1000 });
    const job = { ...h.job, domain: adEnv().domain };
    const started = performance.now();
    const first = await runCycle({ job, source, store: h.store });
    const seconds = (performance.now() - started) / 1000;

    const inScope = inScopeObjects(fixture!);
    const users = inScope.filter((o) => o.kind === 'user');
    const groups = inScope.filter((o) => o.kind === 'group');
    console.log(`# initial sync: ${users.length} users, ${groups.length} groups in ${seconds.toFixed(2)} s (${Math.round((users.length + groups.length) / seconds)} objects/s), ${first.pages} pages`);
    assert.equal(first.mode, 'full');
    assert.deepEqual(first.synchronizedEntryCountByType, [{ key: 'user to User', value: users.length }, { key: 'group to Group', value: groups.length }]);
    assert.equal(first.execution.countEscrowed, 0, 'no per-object errors on the fixture');

    const cloud = new Map<string, DirectoryUser>();
    for await (const u of iteratePages((cursor) => h.store.directory.listUsers(h.tenantId, { limit: 1000, ...(cursor ? { cursor } : {}) }))) cloud.set(u.onPremisesImmutableId!, u);
    assert.equal(cloud.size, users.length);
    const anchorOf = (o: FixtureObject) => immutableIdOf(o.consistencyGuid ?? '');
    const byDn = new Map(inScope.map((o) => [normalizeDn(o.dn), o]));
    let checked = 0;
    for (const u of cloud.values()) {
      const source = byDn.get(normalizeDn(u.onPremisesDistinguishedName!));
      assert.ok(source, `${u.onPremisesDistinguishedName} is an in-scope fixture object`);
      const a = source.attributes;
      if (source.consistencyGuid) assert.equal(u.onPremisesImmutableId, anchorOf(source), 'ms-DS-ConsistencyGuid anchors');
      assert.equal(u.userPrincipalName, a.userPrincipalName?.[0] ?? null);
      assert.equal(u.displayName, a.displayName?.[0] ?? a.cn?.[0] ?? null);
      assert.equal(u.givenName, a.givenName?.[0] ?? null);
      assert.equal(u.surname, a.sn?.[0] ?? null);
      assert.equal(u.mail, a.mail?.[0] ?? null);
      assert.equal(u.employeeId, a.employeeID?.[0] ?? null);
      assert.equal(u.department, a.department?.[0] ?? null);
      assert.equal(u.onPremisesSamAccountName, a.sAMAccountName?.[0]);
      assert.equal(u.accountEnabled, (Number(a.userAccountControl?.[0] ?? 512) & 2) === 0);
      assert.deepEqual([...u.proxyAddresses].sort(), [...(a.proxyAddresses ?? [])].sort());
      const manager = a.manager?.[0] ? byDn.get(normalizeDn(a.manager[0])) : undefined;
      if (manager) assert.ok(u.managerId, `${u.userPrincipalName} has its in-scope manager`);
      else assert.equal(u.managerId, null);
      checked++;
    }
    assert.equal(checked, users.length);

    for await (const g of iteratePages((cursor) => h.store.directory.listGroups(h.tenantId, { limit: 1000, ...(cursor ? { cursor } : {}) }))) {
      const source = byDn.get(normalizeDn(g.onPremisesDistinguishedName!))!;
      const expected = (source.attributes.member ?? []).filter((dn) => {
        const member = byDn.get(normalizeDn(dn));
        return member && (member.kind === 'user' || member.kind === 'group');
      });
      assert.equal(await h.store.directory.countGroupMembers(h.tenantId, g.id), expected.length, `members of ${g.displayName}`);
    }

    const second = await runCycle({ job, source, store: h.store });
    assert.equal(second.mode, 'delta');
    assert.equal(second.execution.countExported, 0, 'nothing changed in AD: nothing written');
  });
});
