/**
 * Incremental reads with DirSync: after each kind of change, made as Administrator under
 * an OU of this run, the next read returns exactly that change.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Attribute, Change } from 'ldapts';
import type { AdChange, AdChangePage } from '../../src/core/ad-object.ts';
import { AdReader } from '../../src/ad/reader.ts';
import { normalizeDn } from '../../src/ad/dn.ts';
import { decodeWatermark } from '../../src/ad/watermark.ts';
import { skipReason } from '../support/ad-env.ts';
import { collect, createTestOu, readerOptions, type TestOu } from './helpers.ts';

type Upsert = Extract<AdChange, { kind: 'upsert' }>;

describe('incremental reads with DirSync', { skip: skipReason() }, () => {
  let ou: TestOu;
  let reader: AdReader;
  let watermark = '';
  let scope: string;
  let out: string;
  const guids = new Map<string, string>();

  const dnOf = (cn: string, sub = 'A') => `CN=${cn},OU=${sub},${scope}`;

  async function addUser(cn: string, sub = 'A', extra: Record<string, string | string[]> = {}): Promise<void> {
    await ou.admin.add(dnOf(cn, sub), { objectClass: 'user', sAMAccountName: `${cn}-${ou.dn.slice(5, 13)}`, givenName: cn, mail: `${cn}@example.test`, ...extra });
  }

  /** Reads from the current watermark, checks the page contract, moves the watermark. */
  async function changes(): Promise<AdChange[]> {
    const pages: AdChangePage[] = await collect(reader.readChanges(watermark));
    assert.ok(pages.length >= 1);
    const last = pages.at(-1) as AdChangePage;
    assert.equal(last.more, false);
    for (const page of pages.slice(0, -1)) assert.equal(page.more, true);
    for (const page of pages) assert.equal(page.reset, undefined);
    assert.equal(decodeWatermark(last.watermark)?.mode, 'dirsync');
    watermark = last.watermark;
    return pages.flatMap((p) => p.changes);
  }

  function onlyUpsert(list: AdChange[], dn: string): Upsert {
    assert.equal(list.length, 1, `expected one change, got ${JSON.stringify(list.map((c) => (c.kind === 'upsert' ? c.object.dn : c)))}`);
    const change = list[0] as AdChange;
    assert.equal(change.kind, 'upsert');
    assert.equal(normalizeDn(change.object.dn), normalizeDn(dn));
    return change;
  }

  before(async () => {
    ou = await createTestOu(['In', 'Out']);
    scope = `OU=In,${ou.dn}`;
    out = `OU=Out,${ou.dn}`;
    await ou.admin.add(`OU=A,${scope}`, { objectClass: 'organizationalUnit' });
    await ou.admin.add(`OU=B,${scope}`, { objectClass: 'organizationalUnit' });
    for (const cn of ['u1', 'u2', 'u3', 'u5']) await addUser(cn);
    await ou.admin.add(dnOf('g1'), { objectClass: 'group', sAMAccountName: `g1-${ou.dn.slice(5, 13)}`, member: [dnOf('u1')] });
    await ou.admin.add(`CN=outsider,${out}`, { objectClass: 'user', sAMAccountName: `outsider-${ou.dn.slice(5, 13)}` });
    reader = await AdReader.connect(readerOptions({ scopeDns: [scope], changeMode: 'dirsync', pageSize: 3 }));
  });
  after(async () => {
    await reader?.close();
    await ou?.cleanup();
  });

  test('the first read is a full read of the scope, marked initial, paged', async () => {
    const pages = await collect(reader.readChanges());
    assert.ok(pages.length >= 3, 'page size 3 over 8 objects');
    for (const page of pages) assert.equal(page.reset, 'initial');
    for (const page of pages.slice(0, -1)) assert.equal(page.watermark, '', 'intermediate pages replay the whole read');
    const all = pages.flatMap((p) => p.changes) as Upsert[];
    assert.deepEqual(all.map((c) => normalizeDn(c.object.dn)).sort(), [scope, `OU=A,${scope}`, `OU=B,${scope}`, dnOf('u1'), dnOf('u2'), dnOf('u3'), dnOf('u5'), dnOf('g1')].map(normalizeDn).sort());
    for (const change of all) {
      assert.equal(change.complete, true);
      guids.set(change.object.attributes.cn?.[0] ?? change.object.attributes.ou?.[0] ?? '', change.object.objectGuid);
    }
    assert.deepEqual(all.find((c) => c.object.attributes.cn?.[0] === 'g1')?.object.attributes.member?.map(normalizeDn), [normalizeDn(dnOf('u1'))]);
    watermark = pages.at(-1)?.watermark ?? '';
    assert.equal(decodeWatermark(watermark)?.mode, 'dirsync');
    assert.deepEqual(await changes(), [], 'nothing changed since');
  });

  test('add', async () => {
    await addUser('u4', 'A', { title: 'Engineer' });
    const change = onlyUpsert(await changes(), dnOf('u4'));
    assert.equal(change.complete, true);
    assert.deepEqual(change.object.attributes.title, ['Engineer']);
    assert.deepEqual(change.object.attributes.mail, ['u4@example.test']);
    guids.set('u4', change.object.objectGuid);
  });

  test('modify, a cleared attribute included', async () => {
    await ou.admin.modify(dnOf('u1'), [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['u1.new@example.test'] }) }),
      new Change({ operation: 'delete', modification: new Attribute({ type: 'givenName', values: [] }) }),
    ]);
    const change = onlyUpsert(await changes(), dnOf('u1'));
    assert.equal(change.complete, true);
    assert.deepEqual(change.object.attributes.mail, ['u1.new@example.test']);
    assert.equal(change.object.attributes.givenName, undefined);
    assert.ok(change.changedAttributes?.includes('mail'));
  });

  test('rename', async () => {
    await ou.admin.modifyDN(dnOf('u2'), 'CN=u2-renamed');
    const change = onlyUpsert(await changes(), dnOf('u2-renamed'));
    assert.equal(change.object.objectGuid, guids.get('u2'));
    assert.equal(change.complete, true);
    assert.deepEqual(change.object.attributes.cn, ['u2-renamed']);
  });

  test('move between OUs', async () => {
    await ou.admin.modifyDN(dnOf('u3'), `CN=u3,OU=B,${scope}`);
    const change = onlyUpsert(await changes(), dnOf('u3', 'B'));
    assert.equal(change.object.objectGuid, guids.get('u3'));
    assert.equal(change.complete, true);
  });

  test('disable', async () => {
    await ou.admin.modify(dnOf('u2-renamed'), new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['514'] }) }));
    const change = onlyUpsert(await changes(), dnOf('u2-renamed'));
    assert.deepEqual(change.object.attributes.userAccountControl, ['514']);
    assert.ok(change.changedAttributes?.includes('userAccountControl'));
  });

  test('group member add', async () => {
    await ou.admin.modify(dnOf('g1'), new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dnOf('u3', 'B')] }) }));
    const change = onlyUpsert(await changes(), dnOf('g1'));
    assert.equal(change.complete, false);
    assert.deepEqual(change.memberChanges?.added.map(normalizeDn), [normalizeDn(dnOf('u3', 'B'))]);
    assert.deepEqual(change.memberChanges?.removed, []);
    assert.deepEqual(change.changedAttributes, ['member']);
    assert.equal(change.object.attributes.member, undefined, 'the member list is not re-read for a member change');
    assert.deepEqual(change.object.attributes.description, [], 'other attributes are listed, empty when without value');
  });

  test('group member remove', async () => {
    await ou.admin.modify(dnOf('g1'), new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [dnOf('u1')] }) }));
    const change = onlyUpsert(await changes(), dnOf('g1'));
    assert.deepEqual(change.memberChanges?.removed.map(normalizeDn), [normalizeDn(dnOf('u1'))]);
    assert.deepEqual(change.memberChanges?.added, []);
  });

  test('move out of scope', async () => {
    await ou.admin.modifyDN(dnOf('u4'), `CN=u4,${out}`);
    assert.deepEqual(await changes(), [{ kind: 'delete', objectGuid: guids.get('u4'), reason: 'out-of-scope', objectClass: 'user' }]);
  });

  const deletes = (list: AdChange[]) =>
    list.map((c) => (c.kind === 'delete' ? { ...c, lastKnownParent: c.lastKnownParent && normalizeDn(c.lastKnownParent) } : c));

  test('delete', async () => {
    await ou.admin.del(dnOf('u5'));
    assert.deepEqual(deletes(await changes()), [{ kind: 'delete', objectGuid: guids.get('u5'), reason: 'deleted', lastKnownParent: normalizeDn(`OU=A,${scope}`), objectClass: 'user' }]);
  });

  test('changes outside the scope are not reported; deletions are, with their last parent', async () => {
    await ou.admin.modify(`CN=outsider,${out}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: ['x'] }) }));
    assert.deepEqual(await changes(), []);
    // Moved out and deleted between two reads looks like this too: the caller decides.
    await ou.admin.del(`CN=u4,${out}`);
    assert.deepEqual(deletes(await changes()), [{ kind: 'delete', objectGuid: guids.get('u4'), reason: 'deleted', lastKnownParent: normalizeDn(out), objectClass: 'user' }]);
  });

  test('a deleted OU subtree reports each object deleted', async () => {
    await ou.admin.add(`OU=Tree,${scope}`, { objectClass: 'organizationalUnit' });
    await addUser('leaf', 'Tree');
    const added = await changes();
    assert.equal(added.length, 2);
    await ou.admin.del(dnOf('leaf', 'Tree'));
    await ou.admin.del(`OU=Tree,${scope}`);
    const list = await changes();
    assert.deepEqual(list.map((c) => c.kind === 'delete' && c.reason).sort(), ['deleted', 'deleted']);
    assert.deepEqual(new Set(list.map((c) => c.kind === 'delete' && c.objectGuid)), new Set(added.map((c) => c.kind === 'upsert' && c.object.objectGuid)));
  });

  test('move into scope reads the whole object', async () => {
    await ou.admin.modifyDN(`CN=outsider,${out}`, `CN=outsider,OU=A,${scope}`);
    const change = onlyUpsert(await changes(), dnOf('outsider'));
    assert.equal(change.complete, true);
    assert.deepEqual(change.object.attributes.title, ['x']);
  });

  test('an OU moved out of scope takes its objects with it', async () => {
    await ou.admin.modifyDN(`OU=B,${scope}`, `OU=B,${out}`);
    const list = await changes();
    assert.deepEqual(
      list.map((c) => (c.kind === 'delete' ? `${c.reason}:${c.objectGuid}` : `upsert:${c.object.dn}`)).sort(),
      [`out-of-scope:${guids.get('B')}`, `out-of-scope:${guids.get('u3')}`].sort(),
    );
  });

  test('an OU moved into scope brings its objects', async () => {
    await ou.admin.modifyDN(`OU=B,${out}`, `OU=B,${scope}`);
    const list = await changes();
    assert.deepEqual(list.map((c) => (c.kind === 'upsert' ? normalizeDn(c.object.dn) : c.kind)).sort(), [`OU=B,${scope}`, dnOf('u3', 'B')].map(normalizeDn).sort());
    for (const change of list) assert.ok(change.kind === 'upsert' && change.complete);
  });
});
