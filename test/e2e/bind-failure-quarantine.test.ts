/**
 * End to end, the done-when line "Change the sync account's password in AD: the job
 * quarantines after the configured failures with one email; fix the agent's password:
 * released on the next cycle, one email." A service and an agent as real processes, a real
 * SMTP server on loopback read back, and a sync account of this run's own (the replication
 * rights canopy-sync has, test/support/sync-account.ts) so the shared canopy-sync keeps its
 * password. The agent reads its password from ad.passwordFile and checks it every second
 * (credentialCheckSeconds); the agent is never restarted: the corrected file is read at its
 * next bind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Control, type Client } from 'ldapts';
import { writePrivateFile } from '../../src/core/private-files.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { SmtpSink } from '../support/smtp-sink.ts';
import { createSyncAccount, removeSyncAccount, setAccountPassword, type TestSyncAccount } from '../support/sync-account.ts';
import { adminClient } from './support/ad-expected.ts';
import { GraphClient, enableDomain, jobPath, readBootstrap, type EnabledJob, type Execution } from './support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const WAIT_MS = 180_000;
const TREE_DELETE = '1.2.840.113556.1.4.805';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms ${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

type Quarantine = { reason: string; currentBegan: string; nextAttempt: string; error: { code: string; message: string; tenantActionable: boolean } };
type Status = { code: string; countSuccessiveCompleteFailures: number; lastExecution: (Execution & { error?: { code: string; message: string } | null }) | null; quarantine: Quarantine | null };

describe('e2e: the sync account\'s password changed in AD quarantines the job; the corrected password releases it', { skip: skipReason(), timeout: 600_000 }, () => {
  const suffix = randomBytes(3).toString('hex');
  const oldPassword = `Sync-Old-${suffix}-1!`;
  const newPassword = `Sync-New-${suffix}-2!`;
  const mail = new SmtpSink();
  let dir: string;
  let passwordFile: string;
  let serve: ServeProcess;
  let agent: CanopyProcess | undefined;
  let graph: GraphClient;
  let ldap: Client;
  let account: TestSyncAccount | undefined;
  let job: EnabledJob;
  let ou: string;

  const status = async (): Promise<Status> => (await graph.get(jobPath(job))).status as Status;
  const logs = (): string => `\nserve:\n${serve.process.output.slice(-12).join('\n')}\nagent:\n${agent?.output.slice(-8).join('\n') ?? ''}`;
  const cloudUser = async (upn: string): Promise<boolean | undefined> => {
    const body = await graph.get(`/v1.0/users?$filter=${encodeURIComponent(`userPrincipalName eq '${upn}'`)}&$select=id`);
    return (body.value as unknown[]).length === 1 ? true : undefined;
  };
  const addUser = async (name: string): Promise<string> => {
    const upn = `${name}.${suffix}@${adEnv().domain}`;
    await ldap.add(`CN=${name},${ou}`, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: `${name}-${suffix}`.slice(0, 20), userPrincipalName: upn, userAccountControl: '544' });
    return upn;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-bindfail-'));
    ldap = await adminClient();
    account = await createSyncAccount(ldap, `canopy-sync-${suffix}`, oldPassword);
    passwordFile = join(dir, 'ad-password');
    writePrivateFile(passwordFile, `${oldPassword}\n`);
    ou = `OU=bindfail-${suffix},${adEnv().baseDn}`;
    await ldap.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    await mail.start();
    serve = await startServe(join(dir, 'service'), {
      env: { CANOPY_SMTP_HOST: '127.0.0.1', CANOPY_SMTP_PORT: String(mail.port), CANOPY_SMTP_SECURITY: 'none', CANOPY_SMTP_FROM: 'canopy@example.org', CANOPY_SMTP_RETRY_MS: '500' },
    });
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    const setup = await enrollAgent(dir, serve, 'agent1', undefined, undefined, adEnv(), { bindDn: account.dn, passwordFile, credentialCheckSeconds: 1 });
    agent = await runAgent(setup);
  });
  after(async () => {
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    await mail.stop();
    if (ldap) {
      await ldap.del(ou, new Control(TREE_DELETE, { critical: true })).catch(() => undefined);
      await removeSyncAccount(ldap, account);
      await ldap.unbind().catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('bind refused: Quarantine after 2 failed cycles naming the refused password, one email; corrected file: released, one email', async () => {
    const first = await addUser('Bea');
    job = await enableDomain(graph, { domain: adEnv().domain, containers: [ou], start: false });
    await graph.expect(204, 'PUT', `/v1.0/servicePrincipals/${job.spId}/synchronization/secrets`, {
      value: [{ key: 'SyncNotificationSettings', value: JSON.stringify({ Enabled: true, Recipients: 'admin@example.org', QuarantineAfterFailures: 2 }) }],
    });
    await graph.expect(204, 'PATCH', jobPath(job), { schedule: { interval: 'PT2S' } });
    await graph.expect(204, 'POST', `${jobPath(job)}/start`);
    await waitFor('Bea in the cloud', () => cloudUser(first), logs);

    // The password changes in AD (an admin's reset, a rotation); the agent still has the old one.
    await setAccountPassword(ldap, account!.dn, newPassword);
    const quarantined = await waitFor('the job in quarantine', async () => {
      const s = await status();
      return s.code === 'Quarantine' ? s : undefined;
    }, logs);
    assert.equal(quarantined.quarantine?.reason, 'EncounteredQuarantineException');
    assert.ok(quarantined.countSuccessiveCompleteFailures >= 2, `after 2 failures (${quarantined.countSuccessiveCompleteFailures})`);
    assert.equal(quarantined.quarantine!.error.code, 'ERR_AD_INVALID_CREDENTIALS', quarantined.quarantine!.error.message);
    assert.equal(quarantined.quarantine!.error.tenantActionable, true);
    const dn = account!.dn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(quarantined.quarantine!.error.message, new RegExp(`\\d+ cycles in a row failed: .*refused the password of ${dn} \\(invalid credentials\\)`));
    assert.equal(quarantined.lastExecution?.state, 'Failed');
    assert.ok(serve.process.output.some((line) => /cycle of job .* failed: ERR_AD_INVALID_CREDENTIALS: .*refused the password/.test(line)), `the service log names the refused bind${logs()}`);
    await waitFor('the agent\'s log naming it too', async () => (agent!.output.some((line) => /ERR_AD_INVALID_CREDENTIALS.*refused the password of /.test(line)) ? true : undefined), logs);
    assert.ok(![...serve.process.output, ...agent!.output].some((line) => line.includes(oldPassword) || line.includes(newPassword)), 'no password in a log line');

    const entered = await waitFor('the quarantine email', async () => (mail.received.length >= 1 ? mail.received[0] : undefined), logs);
    assert.match(entered.subject, new RegExp(`${job.jobId}.*is quarantined \\(EncounteredQuarantineException\\)`));
    assert.match(entered.text, /refused the password of .* \(invalid credentials\)/);
    assert.deepEqual(entered.to, ['admin@example.org']);
    // More cycles fail while quarantined (on its back-off): still one email.
    const failures = quarantined.countSuccessiveCompleteFailures;
    await waitFor('another failed cycle in quarantine', async () => ((await status()).countSuccessiveCompleteFailures > failures ? true : undefined), logs);
    assert.equal(mail.received.length, 1, mail.received.map((m) => m.subject).join(' | '));

    // A change made while quarantined comes through once released.
    const second = await addUser('Cid');
    // The admin corrects the agent's password file; the agent keeps running.
    writePrivateFile(passwordFile, `${newPassword}\n`);
    const released = await waitFor('the job released', async () => {
      const s = await status();
      return s.code === 'Active' && s.quarantine === null ? s : undefined;
    }, logs);
    assert.equal(released.lastExecution?.state, 'Succeeded');
    assert.equal(released.countSuccessiveCompleteFailures, 0);
    await waitFor('Cid in the cloud', () => cloudUser(second), logs);
    const mails = await waitFor('the release email', async () => (mail.received.length >= 2 ? mail.received : undefined), logs);
    assert.match(mails[1]!.subject, new RegExp(`${job.jobId}.*is out of quarantine`));
    // A few good cycles later, still exactly two emails.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal((await status()).code, 'Active');
    assert.equal(mail.received.length, 2, mail.received.map((m) => m.subject).join(' | '));
  });
});
