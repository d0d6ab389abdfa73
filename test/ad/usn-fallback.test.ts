/**
 * The uSNChanged fallback: an account without DirSync rights, a mode forced for an account
 * that may read tombstones, and a watermark from another DC (invocationId) leading to an
 * explicit full re-read.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Attribute, Change } from 'ldapts';
import type { AdChange, AdChangePage } from '../../src/core/ad-object.ts';
import { AdReader } from '../../src/ad/reader.ts';
import { normalizeDn } from '../../src/ad/dn.ts';
import { decodeWatermark, encodeWatermark } from '../../src/ad/watermark.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { collect, createTestOu, readerOptions, type TestOu } from './helpers.ts';

type Upsert = Extract<AdChange, { kind: 'upsert' }>;

function summary(list: readonly AdChange[]): string[] {
  return list.map((c) => (c.kind === 'delete' ? `delete:${c.reason}:${c.objectGuid}` : `upsert:${normalizeDn(c.object.dn)}`)).sort();
}

describe('uSNChanged fallback', { skip: skipReason() ?? (adEnv().noRightsBindDn ? undefined : 'no account without DirSync rights configured') }, () => {
  let ou: TestOu;
  let scope: string;
  const tag = () => ou.dn.slice(5, 13);

  before(async () => {
    ou = await createTestOu(['In', 'Out']);
    scope = `OU=In,${ou.dn}`;
    await ou.admin.add(`CN=a,${scope}`, { objectClass: 'user', sAMAccountName: `a-${tag()}`, mail: 'a@example.test' });
    await ou.admin.add(`CN=b,${scope}`, { objectClass: 'user', sAMAccountName: `b-${tag()}` });
    await ou.admin.add(`CN=g,${scope}`, { objectClass: 'group', sAMAccountName: `g-${tag()}`, member: [`CN=a,${scope}`] });
  });
  after(() => ou?.cleanup());

  async function read(reader: AdReader, watermark: string): Promise<{ pages: AdChangePage[]; changes: AdChange[]; watermark: string }> {
    const pages = await collect(reader.readChanges(watermark));
    const last = pages.at(-1) as AdChangePage;
    assert.equal(last.more, false);
    return { pages, changes: pages.flatMap((p) => p.changes), watermark: last.watermark };
  }

  test('an account without DirSync rights falls back to uSNChanged by itself', async () => {
    const env = adEnv();
    const reader = await AdReader.connect(readerOptions({ bindDn: env.noRightsBindDn, password: env.noRightsPassword, scopeDns: [scope] }));
    try {
      const first = await read(reader, '');
      assert.equal(first.pages[0]?.reset, 'initial');
      assert.deepEqual(summary(first.changes), [`upsert:${normalizeDn(scope)}`, `upsert:${normalizeDn(`CN=a,${scope}`)}`, `upsert:${normalizeDn(`CN=b,${scope}`)}`, `upsert:${normalizeDn(`CN=g,${scope}`)}`].sort());
      const state = decodeWatermark(first.watermark);
      assert.equal(state?.mode, 'usn');
      assert.equal(state?.invocationId, reader.server.invocationId);

      await ou.admin.modify(`CN=b,${scope}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: ['Boss'] }) }));
      await ou.admin.add(`CN=c,${scope}`, { objectClass: 'user', sAMAccountName: `c-${tag()}` });
      const next = await read(reader, first.watermark);
      assert.equal(next.pages[0]?.reset, undefined);
      assert.deepEqual(summary(next.changes), [`upsert:${normalizeDn(`CN=b,${scope}`)}`, `upsert:${normalizeDn(`CN=c,${scope}`)}`].sort());
      const b = next.changes.find((c) => c.kind === 'upsert' && c.object.attributes.cn?.[0] === 'b') as Upsert;
      assert.equal(b.complete, true);
      assert.deepEqual(b.object.attributes.title, ['Boss']);
      assert.deepEqual((await read(reader, next.watermark)).changes, []);
    } finally {
      await reader.close();
    }
  });

  test('forced uSNChanged mode: member changes as whole lists, moves out of scope, tombstones', async () => {
    const reader = await AdReader.connect(readerOptions({ scopeDns: [scope], changeMode: 'usn' }));
    try {
      const first = await read(reader, '');
      assert.equal(decodeWatermark(first.watermark)?.mode, 'usn');
      const guid = (cn: string) => (first.changes.find((c) => c.kind === 'upsert' && c.object.attributes.cn?.[0] === cn) as Upsert).object.objectGuid;

      await ou.admin.modify(`CN=g,${scope}`, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`CN=b,${scope}`] }) }));
      const members = await read(reader, first.watermark);
      const g = members.changes.find((c) => c.kind === 'upsert' && c.object.attributes.cn?.[0] === 'g') as Upsert;
      assert.equal(g.complete, true);
      assert.deepEqual(g.object.attributes.member?.map(normalizeDn).sort(), [`CN=a,${scope}`, `CN=b,${scope}`].map(normalizeDn).sort());
      assert.equal(g.memberChanges, undefined);

      await ou.admin.modifyDN(`CN=a,${scope}`, `CN=a,OU=Out,${ou.dn}`);
      await ou.admin.del(`CN=b,${scope}`);
      const gone = await read(reader, members.watermark);
      const deletes = gone.changes.filter((c) => c.kind === 'delete');
      assert.deepEqual(summary(deletes), [`delete:out-of-scope:${guid('a')}`, `delete:deleted:${guid('b')}`].sort());
      // Deleting b removed its link from g without changing g's uSNChanged (Samba): the
      // caller drops the memberships of a deleted object itself. Moving a kept the link.
      const g2 = await reader.readObject({ dn: `CN=g,${scope}` });
      assert.deepEqual(g2?.attributes.member?.map(normalizeDn), [normalizeDn(`CN=a,OU=Out,${ou.dn}`)]);
    } finally {
      await reader.close();
    }
  });

  test('a watermark from another DC (invocationId) leads to an explicit full re-read', async () => {
    const reader = await AdReader.connect(readerOptions({ scopeDns: [scope], changeMode: 'usn', pageSize: 1 }));
    try {
      const first = await read(reader, '');
      const state = decodeWatermark(first.watermark);
      assert.ok(state?.mode === 'usn');
      const foreign = encodeWatermark({ ...state, invocationId: '11111111-2222-3333-4444-555555555555' });
      const again = await read(reader, foreign);
      assert.ok(again.pages.length > 1);
      for (const page of again.pages) assert.equal(page.reset, 'dc-changed');
      for (const page of again.pages.slice(0, -1)) assert.equal(page.watermark, foreign, 'a replay starts the re-read again');
      assert.deepEqual(summary(again.changes), summary(first.changes));
      assert.equal(decodeWatermark(again.watermark)?.invocationId, reader.server.invocationId);
      // And a watermark made for other scoping DNs is a full re-read too.
      const other = await AdReader.connect(readerOptions({ scopeDns: [`OU=Out,${ou.dn}`], changeMode: 'usn' }));
      try {
        const moved = await read(other, again.watermark);
        assert.equal(moved.pages[0]?.reset, 'scope-changed');
      } finally {
        await other.close();
      }
    } finally {
      await reader.close();
    }
  });

  test('a DirSync watermark read by an account without the right becomes a uSNChanged full read', async () => {
    const sync = await AdReader.connect(readerOptions({ scopeDns: [scope] }));
    const dirsync = (await read(sync, '')).watermark;
    await sync.close();
    assert.equal(decodeWatermark(dirsync)?.mode, 'dirsync');
    const env = adEnv();
    const plain = await AdReader.connect(readerOptions({ bindDn: env.noRightsBindDn, password: env.noRightsPassword, scopeDns: [scope] }));
    try {
      const result = await read(plain, dirsync);
      assert.equal(result.pages[0]?.reset, 'mode-changed');
      assert.equal(decodeWatermark(result.watermark)?.mode, 'usn');
    } finally {
      await plain.close();
    }
  });
});
