/**
 * /Delta entries for deletions and group attribute changes, under a per-run OU, with the
 * reader in DirSync mode and in uSNChanged mode: deletions say whether a User or a Group
 * went (meta.resourceType), for tombstones and for moves out of scope alike, and a changed
 * group description arrives (and reaches the engine's source view).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Attribute, Change, Client } from 'ldapts';
import { AdReader } from '../../src/ad/reader.ts';
import { createScimHandler, type ScimHandler } from '../../src/agent/scim-service.ts';
import { changeFromScim } from '../../src/engine/scim-change-source.ts';
import { readAttribute } from '../../src/engine/source-attributes.ts';
import { CANOPY_AD_OBJECT } from '../../src/scim/urns.ts';
import { adEnv, readCa, skipReason } from '../support/ad-env.ts';

type Json = Record<string, unknown>;

async function readAll(handler: ScimHandler, watermark: string | undefined): Promise<{ resources: Json[]; watermark: string }> {
  const resources: Json[] = [];
  for (let i = 0; i < 50; i += 1) {
    const { status, body } = await handler({ method: 'GET', path: '/Delta', query: watermark === undefined ? {} : { watermark } });
    assert.equal(status, 200, JSON.stringify(body));
    const delta = body as { Resources: Json[]; watermark: string; more: boolean };
    resources.push(...delta.Resources);
    watermark = delta.watermark;
    if (!delta.more) break;
  }
  return { resources, watermark: watermark as string };
}

describe('/Delta deletions and group changes, DirSync and uSNChanged', { skip: skipReason() }, () => {
  const suffix = randomBytes(4).toString('hex');
  let admin: Client;
  let inside: string;
  let outside: string;
  const dns: Record<string, string> = {};
  const modes = ['dirsync', 'usn'] as const;
  const readers = new Map<string, AdReader>();
  const handlers = new Map<string, ScimHandler>();
  const watermarks = new Map<string, string>();
  const ids: Record<string, string> = {};

  before(async () => {
    const env = adEnv();
    admin = new Client({ url: env.url, tlsOptions: { ca: readCa(env) } });
    await admin.bind(env.adminDn, env.adminPassword);
    inside = `OU=t-scimdel-${suffix},${env.baseDn}`;
    outside = `OU=t-scimdel-out-${suffix},${env.baseDn}`;
    for (const ou of [inside, outside]) await admin.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    for (const key of ['gone', 'moved']) {
      dns[key] = `CN=${key} ${suffix},${inside}`;
      await admin.add(dns[key], { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: `${key}-${suffix}`, userAccountControl: '544' });
    }
    for (const key of ['oldGroup', 'team']) {
      dns[key] = `CN=${key} ${suffix},${inside}`;
      await admin.add(dns[key], { objectClass: ['top', 'group'], sAMAccountName: `${key}-${suffix}`, groupType: '-2147483646', description: 'Before' });
    }
    for (const mode of modes) {
      const reader = await AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn, scopeDns: [inside], changeMode: mode });
      readers.set(mode, reader);
      const handler = createScimHandler({ source: reader });
      handlers.set(mode, handler);
      const full = await readAll(handler, undefined);
      assert.equal(full.resources.length, 4, mode);
      for (const r of full.resources) ids[String((r[CANOPY_AD_OBJECT] as Json).sAMAccountName).replace(`-${suffix}`, '')] = String(r.id);
      watermarks.set(mode, full.watermark);
    }
    await admin.del(dns.gone as string);
    await admin.del(dns.oldGroup as string);
    await admin.modifyDN(dns.moved as string, `CN=moved ${suffix},${outside}`);
    dns.moved = `CN=moved ${suffix},${outside}`;
    await admin.modify(dns.team as string, [new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: ['After'] }) })]);
  });

  after(async () => {
    for (const reader of readers.values()) await reader.close();
    if (admin) {
      for (const dn of [dns.team, dns.moved, dns.gone, dns.oldGroup]) if (dn) await admin.del(dn).catch(() => undefined);
      for (const ou of [inside, outside]) await admin.del(ou).catch(() => undefined);
      await admin.unbind();
    }
  });

  for (const mode of modes) {
    test(`${mode}: deletions carry meta.resourceType; the new group description arrives`, async () => {
      const { resources } = await readAll(handlers.get(mode) as ScimHandler, watermarks.get(mode));
      const byId = new Map(resources.map((r) => [r.id, r]));
      const expectDeleted = (key: string, reason: string, resourceType: string) => {
        const entry = byId.get(ids[key]);
        assert.ok(entry, `${mode}: ${key} is in the delta`);
        assert.equal(entry.deleted, true);
        assert.equal(entry.reason, reason, `${mode}: ${key}`);
        assert.deepEqual(entry.meta, { resourceType }, `${mode}: ${key}`);
        const change = changeFromScim(entry);
        assert.equal(change?.kind === 'delete' ? change.objectClass : undefined, resourceType.toLowerCase());
      };
      expectDeleted('gone', 'deleted', 'User');
      expectDeleted('oldGroup', 'deleted', 'Group');
      expectDeleted('moved', 'out-of-scope', 'User');
      const team = byId.get(ids.team);
      assert.ok(team);
      assert.equal((team[CANOPY_AD_OBJECT] as Json).description, 'After');
      const change = changeFromScim(team);
      assert.equal(change?.kind, 'upsert');
      if (change?.kind === 'upsert') assert.deepEqual(readAttribute({ object: change.object, complete: change.complete, anchor: ids.team as string }, 'description'), ['After']);
    });
  }
});
