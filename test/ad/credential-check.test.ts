/**
 * A password changed in AD is noticed while the reader's connection is open: that connection
 * stays authenticated (RFC 4511 section 4.2.1; Samba lets it read on), so the reader confirms
 * the password every credentialCheckMs on a connection of its own (ad/bind-credentials.ts).
 * Once refused, the same password is not presented again (no lockout from a poll loop); the
 * password read again from its source after the fix is taken without a new reader.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Attribute, Change } from 'ldapts';
import { BindCredentials } from '../../src/ad/bind-credentials.ts';
import { AdReader } from '../../src/ad/reader.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import { skipReason } from '../support/ad-env.ts';
import { setAccountPassword } from '../support/sync-account.ts';
import { createTestOu, readerOptions, type TestOu } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the reader notices a password changed in AD and takes the corrected one', { skip: skipReason() }, () => {
  let ou: TestOu;
  let dn: string;

  before(async () => {
    ou = await createTestOu();
    const sam = `cred-${randomBytes(3).toString('hex')}`;
    dn = `CN=${sam},${ou.dn}`;
    await ou.admin.add(dn, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: sam });
    await setAccountPassword(ou.admin, dn, 'Before-Change-1!');
    await ou.admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['512'] }) }));
  });
  after(async () => {
    await ou?.cleanup();
  });

  test('refused within the check interval, not retried with the same password, back with the new one', async () => {
    let password = 'Before-Change-1!';
    let reads = 0;
    const reader = await AdReader.connect(readerOptions({
      bindDn: dn,
      password,
      readPassword: () => {
        reads += 1;
        return password;
      },
      scopeDns: [ou.dn],
      changeMode: 'usn',
      credentialCheckMs: 300,
    }));
    try {
      assert.equal(await reader.readObject({ dn }), undefined, 'reads (its own account is never returned)');
      await setAccountPassword(ou.admin, dn, 'After-Change-2!');
      assert.equal(await reader.readObject({ dn }), undefined, 'the open connection still reads right after the change');

      await sleep(400);
      await assert.rejects(reader.readObject({ dn }), (error: unknown) => {
        assert.ok(isCanopyError(error, 'ERR_AD_INVALID_CREDENTIALS'), String(error));
        assert.match((error as Error).message, new RegExp(`refused the password of ${dn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(invalid credentials\\)`));
        return true;
      });

      // The working connection was closed with the refusal: the next call tries to reconnect,
      // but the refused password is not sent again.
      const readsBefore = reads;
      for (let i = 0; i < 5; i += 1) {
        await assert.rejects(reader.readObject({ dn }), (error: unknown) => isCanopyError(error, 'ERR_AD_INVALID_CREDENTIALS') && /not tried again before/.test((error as Error).message));
      }
      assert.ok(reads > readsBefore, 'the password source was read again each time');

      password = 'After-Change-2!';
      assert.equal(await reader.readObject({ dn }), undefined, 'the corrected password is taken without a new reader');
      await sleep(400);
      assert.equal(await reader.readObject({ dn }), undefined, 'and passes the next check');
    } finally {
      await reader.close();
    }
  });
});

test('a refused password is held back for refusedRetryMs unless it changes; checks fall due every checkMs', () => {
  let now = 1_000_000;
  let password = 'one';
  const credentials = new BindCredentials(() => password, 60_000, 600_000, () => now);
  assert.equal(credentials.checkDue, true, 'due before any bind');
  credentials.accepted();
  assert.equal(credentials.checkDue, false);
  now += 60_000;
  assert.equal(credentials.checkDue, true);
  credentials.refused('one', 'ldaps://dc refused the password of CN=svc (invalid credentials)');
  assert.throws(() => credentials.current(), (error: unknown) => isCanopyError(error, 'ERR_AD_INVALID_CREDENTIALS') && /CN=svc .*not tried again before/.test((error as Error).message));
  password = 'two';
  assert.equal(credentials.current(), 'two', 'a changed password is tried at once');
  password = 'one';
  now += 600_000;
  assert.equal(credentials.current(), 'one', 'the refused one again after refusedRetryMs');
});
