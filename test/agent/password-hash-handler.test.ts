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

  test('a mid-pass watermark asked again (the service never committed the page after it) restarts the pass instead of skipping a page', async () => {
    const handler = domains.handlers.get(adEnv().domain)!;
    const get = async (watermark?: string) => {
      const response = await handler({ domain: adEnv().domain, method: 'GET', path: '/PasswordHashes', query: watermark ? { watermark } : {} }, signal);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body as PasswordHashPage;
    };
    const first = await get();
    assert.ok(first.more, 'the fixture forest spans several pages');
    const second = await get(first.watermark);
    assert.notEqual(second.watermark, first.watermark, 'each page of a pass has a watermark of its own');
    const position = (w: string) => w.split(';')[5];
    assert.match(position(first.watermark)!, /^[0-9a-f]{8}-1$/);
    assert.equal(position(second.watermark), `${position(first.watermark)!.split('-')[0]}-2`);
    // The service lost the second page (crash before commit) and asks from the first again.
    const again = await get(first.watermark);
    const pass = position(again.watermark)?.split('-')[0];
    assert.notEqual(pass, position(first.watermark)!.split('-')[0], 'a new pass');
    assert.equal(position(again.watermark)?.split('-')[1], '1', 'from its first page');
    let page = again;
    const hashes = [...page.hashes];
    while (page.more) {
      page = await get(page.watermark);
      hashes.push(...page.hashes);
    }
    assert.equal(page.watermark.split(';').length, 5, 'the end of a pass names no position: any session resumes from it');
    assert.ok(hashes.some((h) => h.samAccountName === sam), 'the restarted pass reads everything');
  });

  test('POST /PasswordHashes/.search reads named users: a hash, a missing DN, a bad body', async () => {
    const handler = domains.handlers.get(adEnv().domain)!;
    const missing = `CN=nobody-${tag},${ou.dn}`;
    const response = await handler({ domain: adEnv().domain, method: 'POST', path: '/PasswordHashes/.search', body: { dns: [`CN=${sam},${ou.dn}`, missing] } }, signal);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const body = response.body as { hashes: PasswordHashPage['hashes']; missing: string[] };
    assert.deepEqual(body.hashes.map((h) => h.samAccountName), [sam]);
    assert.equal(await verifyPph1(`${sam}-Pw-2!`, body.hashes[0]!.credentialData), true);
    assert.deepEqual(body.missing, [missing]);
    const bad = await handler({ domain: adEnv().domain, method: 'POST', path: '/PasswordHashes/.search', body: { dns: 'x' } }, signal);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /dns/);
  });

  test('critical system objects never leave the agent: krbtgt and Administrator are skipped as such', async () => {
    const pages = await cycle();
    const hashes = pages.flatMap((p) => p.hashes);
    assert.ok(!hashes.some((h) => /^(krbtgt|administrator|guest)$/i.test(h.samAccountName ?? '')), 'no hash of a critical account');
    const skipped = pages.flatMap((p) => p.skipped);
    const krbtgt = skipped.find((s) => /^CN=krbtgt,/i.test(s.dn));
    assert.equal(krbtgt?.reason, 'critical-system-object');
    assert.equal(skipped.find((s) => /^CN=Administrator,CN=Users,/i.test(s.dn))?.reason, 'critical-system-object');
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
