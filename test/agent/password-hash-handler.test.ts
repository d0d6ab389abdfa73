/**
 * The agent's password hash endpoint as the relay calls it (the domain handlers that
 * createAdDomains builds from a parsed configuration), against the Samba DC: pages of PPH1
 * strings with a resumable watermark, the next cycle with only a changed password, and an
 * account without replication rights answered 403 naming the right while the same
 * domain's SCIM reads go on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdDomains, type AdDomains } from '../../src/agent/ad-domains.ts';
import { parseAgentConfig } from '../../src/agent/config.ts';
import type { PasswordHashPage } from '../../src/agent/password-hash/password-hash-reader.ts';
import { verifyPph1 } from '../../src/identity/pph1-verify.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { createTestOu, type TestOu } from '../ad/helpers.ts';
import { addUser, credentialsFor, setPassword } from '../drs/support.ts';

describe('GET /PasswordHashes through the agent\'s domain handler', { skip: skipReason(), timeout: 300_000 }, () => {
  let ou: TestOu;
  const tag = Math.random().toString(36).slice(2, 8);
  const sam = `phs-h-${tag}`;
  let domains: AdDomains;
  let denied: AdDomains;
  const signal = new AbortController().signal;

  function agentDomains(bindDn: string, password: string): AdDomains {
    const env = adEnv();
    const { user, domain } = credentialsFor(bindDn, password);
    const config = parseAgentConfig({
      service: { url: 'http://127.0.0.1:1' },
      dataDir: mkdtempSync(join(tmpdir(), 'canopy-phs-')),
      domains: [{
        name: env.domain,
        ad: { urls: [env.url], bindDn, passwordEnv: 'PHS_TEST_PASSWORD', caFile: env.caFile, baseDn: env.baseDn },
        passwordHashSync: { user, netbiosDomain: domain },
      }],
    }, process.cwd(), {});
    return createAdDomains(config, { PHS_TEST_PASSWORD: password });
  }

  async function cycle(from?: string): Promise<PasswordHashPage[]> {
    const handler = domains.handlers.get(adEnv().domain)!;
    const pages: PasswordHashPage[] = [];
    let watermark = from;
    for (;;) {
      const response = await handler({ domain: adEnv().domain, method: 'GET', path: '/PasswordHashes', query: watermark ? { watermark } : {} }, signal);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      // What crosses the relay is JSON: check the page survives it unchanged.
      const page = JSON.parse(JSON.stringify(response.body)) as PasswordHashPage;
      pages.push(page);
      watermark = page.watermark;
      if (!page.more) return pages;
    }
  }

  before(async () => {
    ou = await createTestOu();
    await addUser(ou.admin, `CN=${sam},${ou.dn}`, sam, `${sam}-Pw-1!`);
    domains = agentDomains(adEnv().bindDn, adEnv().password);
    denied = agentDomains(adEnv().noRightsBindDn, adEnv().noRightsPassword);
  });
  after(async () => {
    await domains?.close();
    await denied?.close();
    await ou?.cleanup();
  });

  test('a first cycle pages through the domain; the next one brings only the changed password', async () => {
    const first = await cycle();
    assert.ok(first.length >= 1);
    assert.ok(first.slice(0, -1).every((p) => p.more) && !first.at(-1)!.more);
    const mine = first.flatMap((p) => p.hashes).filter((h) => h.samAccountName === sam);
    assert.equal(mine.length, 1);
    assert.equal(await verifyPph1(`${sam}-Pw-1!`, mine[0]!.credentialData), true);

    await setPassword(ou.admin, `CN=${sam},${ou.dn}`, `${sam}-Pw-2!`);
    const next = await cycle(first.at(-1)!.watermark);
    const changed = next.flatMap((p) => p.hashes).filter((h) => h.samAccountName === sam);
    assert.equal(changed.length, 1);
    assert.equal(await verifyPph1(`${sam}-Pw-2!`, changed[0]!.credentialData), true);
    assert.equal(await verifyPph1(`${sam}-Pw-1!`, changed[0]!.credentialData), false);
  });

  test('a bad watermark is a 400 naming it', async () => {
    const handler = domains.handlers.get(adEnv().domain)!;
    const response = await handler({ domain: adEnv().domain, method: 'GET', path: '/PasswordHashes', query: { watermark: 'nonsense' } }, signal);
    assert.equal(response.status, 400);
    assert.match(JSON.stringify(response.body), /not a password hash sync watermark/);
  });

  test('without replication rights: 403 naming the right, and SCIM reads of the domain still answer', { skip: adEnv().noRightsBindDn ? undefined : 'no account without rights configured' }, async () => {
    const handler = denied.handlers.get(adEnv().domain)!;
    const response = await handler({ domain: adEnv().domain, method: 'GET', path: '/PasswordHashes' }, signal);
    assert.equal(response.status, 403);
    assert.match(JSON.stringify(response.body), /Replicating Directory Changes/);
    const scim = await handler({ domain: adEnv().domain, method: 'GET', path: '/Users', query: { count: '1' } }, signal);
    assert.equal(scim.status, 200, JSON.stringify(scim.body));
  });
});
