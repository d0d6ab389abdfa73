/**
 * Password hash sync on the agent against the Samba DC: the PPH1 string for a user the
 * test created verifies with the password the test set and not with another; a later
 * cycle from the watermark reads only the changed password; a must-change user is skipped
 * until the password is changed; no NT hash appears in what the reader yields.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Attribute, Change } from 'ldapts';
import { ntHashOf } from '../../src/drs/crypto/md4.ts';
import { ReplicationClient } from '../../src/drs/replication-client.ts';
import { readChangedPasswordHashes, type PasswordHashPage } from '../../src/agent/password-hash/password-hash-reader.ts';
import { pph1FromNtHash } from '../../src/agent/password-hash/pph1.ts';
import { parsePph1, verifyPph1 } from '../../src/identity/pph1-verify.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { createTestOu, type TestOu } from '../ad/helpers.ts';
import { addUser, setPassword, syncAccount } from '../drs/support.ts';

describe('PPH1 transform', () => {
  test('matches a value computed independently from the published recipe', async () => {
    // NT hash of "password" = 8846F7EAEE8FB117AD06BDD830B7586C; PBKDF2-HMAC-SHA256 over that
    // uppercase hex in UTF-16LE, salt 00..09, 1000 iterations, 32 bytes.
    const { pbkdf2Sync } = await import('node:crypto');
    const salt = Buffer.from('00010203040506070809', 'hex');
    const expected = pbkdf2Sync(Buffer.from('8846F7EAEE8FB117AD06BDD830B7586C', 'utf16le'), salt, 1000, 32, 'sha256').toString('hex');
    assert.equal(pph1FromNtHash(await ntHashOf('password'), { salt }), `v1;PPH1_MD4,00010203040506070809,1000,${expected};`);
  });
  test('a fresh 10-byte salt each time; verifies with the password and honours the stored iterations', async () => {
    const nt = await ntHashOf('S3cret!');
    const a = pph1FromNtHash(nt);
    const b = pph1FromNtHash(nt);
    assert.notEqual(a, b);
    assert.equal(parsePph1(a)?.salt.length, 10);
    assert.equal(await verifyPph1('S3cret!', a), true);
    assert.equal(await verifyPph1('S3cret?', a), false);
    const fewer = pph1FromNtHash(nt, { iterations: 10 });
    assert.equal(await verifyPph1('S3cret!', fewer), true);
    assert.equal(await verifyPph1('S3cret!', fewer.replace(',10,', ',11,')), false);
    assert.equal(await verifyPph1('S3cret!', 'v1;PPH1_MD4,zz,1000,00;'), false);
  });
  test('rejects an input that is not an NT hash', () => {
    assert.throws(() => pph1FromNtHash(Buffer.alloc(15)), /16 bytes/);
  });
});

describe('changed password hashes from the DC', { skip: skipReason(), timeout: 300_000 }, () => {
  let ou: TestOu;
  let client: ReplicationClient;
  const tag = Math.random().toString(36).slice(2, 8);
  const users = { plain: `phs-a-${tag}`, later: `phs-b-${tag}`, must: `phs-m-${tag}` };
  const dn = (sam: string) => `CN=${sam},${ou.dn}`;
  const pw = (sam: string, n = 1) => `${sam}-Pw-${n}!`;
  let watermark: string;

  async function cycle(from?: string): Promise<PasswordHashPage[]> {
    const pages: PasswordHashPage[] = [];
    for await (const page of readChangedPasswordHashes(client, { nc: adEnv().baseDn, watermark: from, pageSize: 1000 })) pages.push(page);
    return pages;
  }
  const mine = (pages: PasswordHashPage[]) => pages.flatMap((p) => p.hashes).filter((h) => h.dn.toLowerCase().endsWith(ou.dn.toLowerCase()));
  const skippedMine = (pages: PasswordHashPage[]) => pages.flatMap((p) => p.skipped).filter((h) => h.dn.toLowerCase().endsWith(ou.dn.toLowerCase()));

  before(async () => {
    ou = await createTestOu();
    await addUser(ou.admin, dn(users.plain), users.plain, pw(users.plain));
    await addUser(ou.admin, dn(users.must), users.must, pw(users.must), true);
    client = await ReplicationClient.connect(syncAccount());
  });
  after(async () => {
    client?.close();
    await ou?.cleanup();
  });

  test('a full pass yields PPH1 strings that verify with the set password, and skips must-change users', async (t) => {
    const started = Date.now();
    const pages = await cycle();
    const seconds = (Date.now() - started) / 1000;
    const all = pages.flatMap((p) => p.hashes);
    t.diagnostic(`full pass: ${pages.length} pages, ${all.length} hashes, ${seconds.toFixed(1)} s`);
    const hashes = mine(pages);
    assert.deepEqual(hashes.map((h) => h.samAccountName), [users.plain]);
    const record = hashes[0]!;
    assert.match(record.credentialData, /^v1;PPH1_MD4,[0-9a-f]{20},1000,[0-9a-f]{64};$/);
    assert.equal(await verifyPph1(pw(users.plain), record.credentialData), true);
    assert.equal(await verifyPph1(pw(users.plain, 2), record.credentialData), false);
    assert.equal(Buffer.from(record.sourceAnchor, 'base64').length, 16);
    assert.deepEqual(skippedMine(pages).map((s) => [s.dn.toLowerCase(), s.reason]), [[dn(users.must).toLowerCase(), 'must-change-password']]);
    // No record carries the NT hash in any form.
    const nt = (await ntHashOf(pw(users.plain))).toString('hex');
    assert.ok(!JSON.stringify(pages).toLowerCase().includes(nt));
    watermark = pages.at(-1)!.watermark;
  });

  test('the next cycle reads only what changed: a new password, a new user, a must-change user who changed it', async () => {
    await setPassword(ou.admin, dn(users.plain), pw(users.plain, 2));
    await addUser(ou.admin, dn(users.later), users.later, pw(users.later));
    await setPassword(ou.admin, dn(users.must), pw(users.must, 2));
    const pages = await cycle(watermark);
    const hashes = mine(pages);
    assert.deepEqual(hashes.map((h) => h.samAccountName).sort(), [users.later, users.must, users.plain].sort());
    const byName = new Map(hashes.map((h) => [h.samAccountName, h.credentialData]));
    assert.equal(await verifyPph1(pw(users.plain, 2), byName.get(users.plain)!), true);
    assert.equal(await verifyPph1(pw(users.plain), byName.get(users.plain)!), false);
    assert.equal(await verifyPph1(pw(users.later), byName.get(users.later)!), true);
    assert.equal(await verifyPph1(pw(users.must, 2), byName.get(users.must)!), true);
    // Only our changes (and whatever else moved in the domain meanwhile) — never the whole domain again.
    assert.ok(pages.flatMap((p) => p.hashes).length < 20, 'a delta, not a full pass');
    watermark = pages.at(-1)!.watermark;
  });

  test('setting must-change on a user skips it; an unchanged cycle yields nothing of ours', async () => {
    await ou.admin.modify(dn(users.later), new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }));
    const pages = await cycle(watermark);
    assert.deepEqual(mine(pages), []);
    assert.deepEqual(skippedMine(pages).map((s) => s.dn.toLowerCase()), [dn(users.later).toLowerCase()]);
    const quiet = await cycle(pages.at(-1)!.watermark);
    assert.deepEqual(mine(quiet), []);
    assert.deepEqual(skippedMine(quiet), []);
  });
});
