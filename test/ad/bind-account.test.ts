/**
 * The sync account is never read, however its bind name is written: its DN, its UPN, the
 * implicit UPN (sAMAccountName@domain) or DOMAIN\sAMAccountName. The DC resolves the name
 * (RFC 4532 "Who am I?", then the account's entry).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from 'ldapts';
import { AdReader } from '../../src/ad/reader.ts';
import { normalizeDn } from '../../src/core/dn.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { adminClient, readerOptions } from './helpers.ts';

describe('the sync account is excluded whatever its bind name', { skip: skipReason() }, () => {
  let admin: Client;
  let sam: string;
  let upn: string | undefined;

  before(async () => {
    admin = await adminClient();
    const { searchEntries } = await admin.search(adEnv().bindDn, { scope: 'base', attributes: ['sAMAccountName', 'userPrincipalName'] });
    sam = String(searchEntries[0]!.sAMAccountName);
    upn = searchEntries[0]!.userPrincipalName ? String(searchEntries[0]!.userPrincipalName) : undefined;
  });
  after(async () => {
    await admin?.unbind();
  });

  test('DN, UPN, implicit UPN and DOMAIN\\name all resolve to the account\'s DN, which no read returns', async () => {
    const env = adEnv();
    const netbios = env.netbios || env.domain.split('.')[0]!.toUpperCase();
    const names = [env.bindDn, `${sam}@${env.domain}`, `${netbios}\\${sam}`, ...(upn ? [upn] : [])];
    for (const bindDn of names) {
      const reader = await AdReader.connect(readerOptions({ bindDn, scopeDns: [env.baseDn] }));
      try {
        assert.equal(normalizeDn(reader.bindAccountDn ?? ''), normalizeDn(env.bindDn), `${bindDn} resolves to the account's DN`);
        assert.equal(await reader.readObject({ dn: env.bindDn }), undefined, `bound as ${bindDn}: the sync account is not read`);
        const found = [];
        for await (const object of reader.search({ filter: `(sAMAccountName=${sam})`, classes: ['user'] })) found.push(object);
        assert.deepEqual(found, [], `bound as ${bindDn}: a search does not return it either`);
      } finally {
        await reader.close();
      }
    }
    // A control: another account in the same place is read.
    if (env.noRightsBindDn) {
      const reader = await AdReader.connect(readerOptions({ bindDn: `${sam}@${env.domain}`, scopeDns: [env.baseDn] }));
      try {
        assert.ok(await reader.readObject({ dn: env.noRightsBindDn }), 'other accounts are read');
      } finally {
        await reader.close();
      }
    }
  });
});
