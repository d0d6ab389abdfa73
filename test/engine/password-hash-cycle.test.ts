/**
 * The service's password hash job against the agent's real /PasswordHashes (the domain
 * handler createAdDomains builds) and the Samba DC, into a SQLite directory: hashes stored
 * per synced user and verifying with the AD password; a user the cloud gets later caught
 * up; a changed password replacing the old; a crash in the middle of a first pass neither
 * losing nor duplicating a hash; an account without replication rights failing the job
 * with the right named.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdDomains } from '../../src/agent/ad-domains.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import { iteratePages } from '../../src/directory/store.ts';
import { runPasswordHashCycle } from '../../src/engine/password-hash/password-hash-cycle.ts';
import { createPasswordHashSource, type PasswordHashSource } from '../../src/engine/password-hash/password-hash-source.ts';
import type { CycleJob, SyncStore } from '../../src/engine/ports.ts';
import { verifyPph1 } from '../../src/identity/pph1-verify.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { createTestOu, type TestOu } from '../ad/helpers.ts';
import { addUser, setPassword } from '../drs/support.ts';
import { agentDomains, sendTo } from './password-hash-support.ts';
import { openHarness, type Harness } from './support.ts';

function sourceOver(domains: AdDomains): PasswordHashSource {
  return createPasswordHashSource(sendTo(domains));
}

/** A store whose first transaction that writes `userId`'s hash fails after its work (a crash before commit). */
function crashingOn(store: SyncStore, tenantId: string, userId: string): SyncStore {
  let crashed = false;
  return {
    directory: store.directory,
    state: store.state,
    outbox: store.outbox,
    close: () => store.close(),
    transaction: (work) => store.transaction(async (tx) => {
      const value = await work(tx);
      if (!crashed && (await tx.directory.getUserPasswordHash(tenantId, userId))) {
        crashed = true;
        throw new Error('crash before commit');
      }
      return value;
    }),
  };
}

describe('password hash job: the service side against the agent and the Samba DC', { skip: skipReason(), timeout: 600_000 }, () => {
  let ou: TestOu;
  let h: Harness;
  let domains: AdDomains;
  let denied: AdDomains;
  let source: PasswordHashSource;
  let job: CycleJob;
  const tag = Math.random().toString(36).slice(2, 8);
  const users = { a: `phs-sa-${tag}`, later: `phs-sl-${tag}`, must: `phs-sm-${tag}` };
  const dn = (sam: string) => `CN=${sam},${ou.dn}`;
  const pw = (sam: string, n = 1) => `${sam}-Pw-${n}!`;
  /** Anchor by sAMAccountName, from a first read. */
  const anchors = new Map<string, string>();

  async function hashOf(sam: string): Promise<string | undefined> {
    const user = await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: anchors.get(sam)! });
    return user ? (await h.store.directory.getUserPasswordHash(h.tenantId, user.id))?.credentialData : undefined;
  }

  async function pending(): Promise<string[]> {
    const all: string[] = [];
    for await (const anchor of iteratePages((cursor) => h.store.directory.listPasswordHashPending(h.tenantId, job.jobId, { limit: 1000, ...(cursor ? { cursor } : {}) }))) all.push(anchor);
    return all;
  }

  /** What provisioning would have done: a synced cloud user per AD user with a password, but `except`. */
  async function provision(except: readonly string[]): Promise<void> {
    const records = [];
    for await (const page of source.readPages(h.tenantId, adEnv().domain, undefined)) records.push(...page.hashes);
    for (const record of records) if (record.samAccountName) anchors.set(record.samAccountName, record.sourceAnchor);
    const wanted = records.filter((r) => !except.includes(r.samAccountName ?? ''));
    for (let i = 0; i < wanted.length; i += 500) {
      await h.store.transaction((tx) => tx.directory.createUsers(h.tenantId, wanted.slice(i, i + 500).map((r) => ({
        userPrincipalName: `${r.objectGuid}@cloud.test`,
        onPremisesImmutableId: r.sourceAnchor,
        onPremisesSyncEnabled: true,
        onPremisesDistinguishedName: r.dn,
        onPremisesSamAccountName: r.samAccountName ?? null,
        accountEnabled: true,
      }))));
    }
  }

  before(async () => {
    ou = await createTestOu();
    await addUser(ou.admin, dn(users.a), users.a, pw(users.a));
    await addUser(ou.admin, dn(users.later), users.later, pw(users.later));
    await addUser(ou.admin, dn(users.must), users.must, pw(users.must), true);
    h = await openHarness();
    // Small pages: a first pass spans several requests, so a crash can fall between them.
    domains = agentDomains(adEnv().bindDn, adEnv().password, 500);
    denied = agentDomains(adEnv().noRightsBindDn, adEnv().noRightsPassword, 500);
    source = sourceOver(domains);
    job = { tenantId: h.tenantId, jobId: `AD2AADPasswordHash.${tag}`, domain: adEnv().domain, schema: h.job.schema };
    await provision([users.later]);
  });
  after(async () => {
    await domains?.close();
    await denied?.close();
    await h?.close();
    await ou?.cleanup();
  });

  test('a crash in the first pass, before the page with a user\'s hash commits: the rerun stores every synced user\'s hash once, nothing lost', async () => {
    const a = await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: anchors.get(users.a)! });
    await assert.rejects(runPasswordHashCycle({ job, source, store: crashingOn(h.store, h.tenantId, a!.id) }), /crash before commit/);
    assert.equal(await h.store.directory.getUserPasswordHash(h.tenantId, a!.id), undefined, 'rolled back');
    const committed = await h.store.directory.getWatermark(h.tenantId, job.jobId);
    assert.ok(committed, 'the pages before it committed their watermark');
    const result = await runPasswordHashCycle({ job, source, store: h.store });
    assert.equal(result.execution.state, 'Succeeded');
    assert.ok(result.pages >= 2);
    // Every synced cloud user has exactly one hash row (the store keys them by user).
    let synced = 0;
    for await (const user of iteratePages((cursor) => h.store.directory.listUsers(h.tenantId, { limit: 1000, ...(cursor ? { cursor } : {}) }))) {
      synced++;
      assert.ok(await h.store.directory.getUserPasswordHash(h.tenantId, user.id), `${user.onPremisesSamAccountName} has a hash`);
    }
    assert.ok(synced >= 2, `synced users: ${synced}`);
    assert.equal(await verifyPph1(pw(users.a), (await hashOf(users.a))!), true);
    assert.equal(await verifyPph1(pw(users.a, 2), (await hashOf(users.a))!), false);
    assert.equal(anchors.has(users.must), false, 'a must-change user is not read');
    assert.deepEqual(await pending(), [anchors.get(users.later)], 'a user without a cloud account leaves only its anchor');
  });

  test('a user provisioned after its password was read is caught up; a changed password replaces the old one', async () => {
    const record = { userPrincipalName: `${users.later}@cloud.test`, onPremisesImmutableId: anchors.get(users.later)!, onPremisesSyncEnabled: true, onPremisesDistinguishedName: dn(users.later) };
    await h.store.transaction((tx) => tx.directory.createUsers(h.tenantId, [record]));
    await setPassword(ou.admin, dn(users.a), pw(users.a, 2));
    const result = await runPasswordHashCycle({ job, source, store: h.store });
    assert.equal(result.mode, 'delta');
    assert.equal(await verifyPph1(pw(users.later), (await hashOf(users.later))!), true);
    assert.deepEqual(await pending(), []);
    assert.equal(await verifyPph1(pw(users.a, 2), (await hashOf(users.a))!), true);
    assert.equal(await verifyPph1(pw(users.a), (await hashOf(users.a))!), false);
    assert.ok(result.execution.countExported < 20, `a delta stores only what changed (${result.execution.countExported})`);
  });

  test('without replication rights the job fails naming the right, its watermark unmoved', { skip: adEnv().noRightsBindDn ? undefined : 'no account without rights configured' }, async () => {
    const deniedJob = { ...job, jobId: `AD2AADPasswordHash.denied.${tag}` };
    await assert.rejects(runPasswordHashCycle({ job: deniedJob, source: sourceOver(denied), store: h.store }), (error) => {
      assert.ok(isCanopyError(error, 'ERR_ENGINE_SOURCE_DENIED'), String(error));
      assert.match((error as Error).message, /Replicating Directory Changes/);
      return true;
    });
    assert.equal(await h.store.directory.getWatermark(h.tenantId, deniedJob.jobId), undefined);
  });
});
