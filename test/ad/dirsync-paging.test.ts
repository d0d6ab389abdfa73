/**
 * DirSync paged as Windows pages it (MoreResults, MaxBytes), against a loopback server
 * that answers that way, since the Samba DC never pages DirSync.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdChangePage } from '../../src/core/ad-object.ts';
import { AdReader } from '../../src/ad/reader.ts';
import { guidToBytes } from '../../src/ad/decode.ts';
import { decodeWatermark } from '../../src/ad/watermark.ts';
import { collect } from './helpers.ts';
import { startPagingDc, type FakeEntry, type PagingDc } from './paging-dc.ts';

const base = 'DC=fake,DC=test';
const scope = `OU=In,${base}`;
const guid = (n: number) => `0000000${n}-1111-2222-3333-444444444444`;
const user = (n: number): FakeEntry => ({
  dn: `CN=u${n},${scope}`,
  attributes: { objectGUID: [guidToBytes(guid(n))], objectClass: ['top', 'person', 'organizationalPerson', 'user'], cn: [`u${n}`], name: [`u${n}`], sn: [`Surname ${n}`] },
});
const changed = (n: number): FakeEntry => ({ dn: `CN=u${n},${scope}`, attributes: { objectGUID: [guidToBytes(guid(n))], instanceType: ['4'], sn: [`Surname ${n}`] } });
const cookieOf = (watermark: string) => {
  const state = decodeWatermark(watermark);
  return state?.mode === 'dirsync' ? Buffer.from(state.cookie, 'base64').toString('utf8') : undefined;
};

describe('DirSync paged by the DC (Windows behaviour)', () => {
  let dc: PagingDc;
  before(async () => {
    const group: FakeEntry = {
      dn: `CN=big,${scope}`,
      attributes: { objectGUID: [guidToBytes(guid(8))], objectClass: ['top', 'group'], cn: ['big'], 'member;range=0-1': ['CN=m0', 'CN=m1'] },
    };
    const ou: FakeEntry = { dn: scope, attributes: { objectGUID: [guidToBytes(guid(9))], objectClass: ['top', 'organizationalUnit'], ou: ['In'], name: ['In'] } };
    dc = await startPagingDc({
      baseDn: base,
      invocationId: guidToBytes('9bfbd888-56b4-4e9a-a48a-51877b19eab4'),
      objects: [ou, user(1), user(2), user(3), group],
      ranges: new Map<string, FakeEntry>([
        ['member;range=2-*', { dn: group.dn, attributes: { 'member;range=2-3': ['CN=m2', 'CN=m3'] } }],
        ['member;range=4-*', { dn: group.dn, attributes: { 'member;range=4-*': ['CN=m4'] } }],
      ]),
      dirSync: new Map([
        ['', { entries: [], more: true, cookie: 'init-1' }],
        ['init-1', { entries: [], more: false, cookie: 'init-2' }],
        ['init-2', { entries: [changed(1), changed(2)], more: true, cookie: 'inc-1' }],
        ['inc-1', { entries: [changed(3)], more: true, cookie: 'inc-2' }],
        ['inc-2', { entries: [], more: false, cookie: 'inc-3' }],
      ]),
    });
  });
  after(() => dc?.close());

  const connect = (pageSize: number) =>
    AdReader.connect({ urls: [dc.url], allowPlainLdap: true, bindDn: `CN=sync,${base}`, password: 'x', baseDn: base, scopeDns: [scope], changeMode: 'dirsync', dirSyncMaxBytes: 4096, pageSize });

  test('every DirSync page is read, each ending with the cookie the DC gave', async () => {
    const reader = await connect(500);
    try {
      const initial = await collect(reader.readChanges());
      assert.equal(cookieOf(initial.at(-1)?.watermark ?? ''), 'init-2', 'the initial cookie is taken after the last DirSync page');
      assert.equal(initial.flatMap((p) => p.changes).length, 5);
      const pages: AdChangePage[] = await collect(reader.readChanges(initial.at(-1)?.watermark));
      assert.deepEqual(pages.map((p) => [p.changes.length, cookieOf(p.watermark), p.more]), [
        [2, 'inc-1', true],
        [1, 'inc-2', true],
        [0, 'inc-3', false],
      ]);
      const first = pages[0]?.changes[0];
      assert.ok(first?.kind === 'upsert' && first.object.objectGuid === guid(1) && first.complete);
      assert.deepEqual(first.changedAttributes, ['sn']);
    } finally {
      await reader.close();
    }
    const cookies = dc.dirSyncRequests.map((r) => r.cookie);
    assert.deepEqual(cookies, ['', 'init-1', 'init-2', 'inc-1', 'inc-2']);
    for (const request of dc.dirSyncRequests) {
      assert.equal(request.critical, true);
      assert.equal(request.maxBytes, 4096);
      assert.deepEqual(request.flagsBytes, Buffer.from([0x80, 0x00, 0x00, 0x00]), 'LDAP_DIRSYNC_INCREMENTAL_VALUES as a signed 32-bit INTEGER');
    }
  });

  test('a member list the DC truncates (member;range=0-1) is read to its end', async () => {
    const reader = await connect(500);
    try {
      const group = await reader.readObject({ dn: `CN=big,${scope}` });
      assert.deepEqual(group?.attributes.member, ['CN=m0', 'CN=m1', 'CN=m2', 'CN=m3', 'CN=m4']);
      assert.equal(Object.keys(group?.attributes ?? {}).some((k) => k.includes(';range=')), false);
    } finally {
      await reader.close();
    }
  });

  test('pages cut within a DirSync page carry the watermark the page started from', async () => {
    const reader = await connect(1);
    try {
      const initial = await collect(reader.readChanges());
      const start = initial.at(-1)?.watermark ?? '';
      const pages = await collect(reader.readChanges(start));
      assert.deepEqual(pages.map((p) => [p.changes.length, p.watermark === start ? 'start' : cookieOf(p.watermark), p.more]), [
        [1, 'start', true],
        [1, 'inc-1', true],
        [1, 'inc-2', true],
        [0, 'inc-3', false],
      ]);
    } finally {
      await reader.close();
    }
  });
});
