/**
 * End to end, accidental deletes: a service and an agent as real processes, the agent
 * signalling AD changes as they happen (so a bulk delete reaches the service spread over
 * several cycles), a job scoped to a per-run OU of 600 users created for this test (the
 * fixture stays as it is). All 600 are deleted in AD: nothing is deleted in the cloud, 600
 * stagedDelete log entries, the job in Quarantine with reason TooManyDeletes. A restart
 * with resetScope ForceDeletes then deletes them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ldapts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { SmtpSink } from '../support/smtp-sink.ts';
import { adminClient } from './support/ad-expected.ts';
import { GraphClient, enableDomain, jobPath, readBootstrap, type EnabledJob } from './support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const USERS = 600;
/** Generous for a loaded machine; the job's schedule (PT2M) is the slowest path to each state. */
const WAIT_MS = 420_000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms ${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

type LogEntry = { provisioningAction: string; sourceIdentity: { id: string } };

describe('e2e: a bulk delete in AD is held by the delete threshold until ForceDeletes', { skip: skipReason(), timeout: 1_800_000 }, () => {
  const suffix = randomBytes(3).toString('hex');
  let dir: string;
  let serve: ServeProcess;
  let agent: CanopyProcess;
  let graph: GraphClient;
  let ldap: Client;
  let job: EnabledJob;
  let ou: string;
  const dns: string[] = [];
  const mail = new SmtpSink();

  /** The cloud users of this run (their sAMAccountName carries the suffix). */
  const cloudUsers = async (): Promise<number> => {
    let n = 0;
    const filter = encodeURIComponent(`startswith(userPrincipalName,'thr-${suffix}-')`);
    for await (const _ of graph.all(`/v1.0/users?$filter=${filter}&$select=id&$top=999`)) n++;
    return n;
  };
  const logEntries = async (action: string): Promise<LogEntry[]> => {
    const entries: LogEntry[] = [];
    const filter = encodeURIComponent(`jobId eq '${job.jobId}'`);
    for await (const entry of graph.all<LogEntry>(`/v1.0/auditLogs/provisioning?$filter=${filter}&$top=500`)) if (entry.provisioningAction === action) entries.push(entry);
    return entries;
  };
  const jobStatus = async () => (await graph.get(jobPath(job))).status as { code: string; quarantine: { reason: string; error: { message: string } } | null };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-threshold-'));
    await mail.start();
    serve = await startServe(join(dir, 'service'), {
      env: { CANOPY_SMTP_HOST: '127.0.0.1', CANOPY_SMTP_PORT: String(mail.port), CANOPY_SMTP_SECURITY: 'none', CANOPY_SMTP_FROM: 'canopy@example.org' },
    });
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    agent = await runAgent(await enrollAgent(dir, serve, 'agent1'));
    ldap = await adminClient();
    ou = `OU=threshold-${suffix},${adEnv().baseDn}`;
    await ldap.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    for (let i = 0; i < USERS; i++) {
      const dn = `CN=Threshold ${i},${ou}`;
      await ldap.add(dn, {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: `thr-${suffix}-${i}`,
        userPrincipalName: `thr-${suffix}-${i}@${adEnv().domain}`,
        displayName: `Threshold ${i}`,
        userAccountControl: '544',
      });
      dns.push(dn);
    }
  });
  after(async () => {
    if (ldap) {
      for (const dn of dns) await ldap.del(dn).catch(() => undefined);
      await ldap.del(ou).catch(() => undefined);
      await ldap.unbind().catch(() => undefined);
    }
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    await mail.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('600 users deleted in AD while cycles run: none deleted in the cloud, 600 stagedDelete, Quarantine/TooManyDeletes; ForceDeletes deletes them', async () => {
    job = await enableDomain(graph, { domain: adEnv().domain, containers: [ou] });
    // Entra's settings (the Domain secret stays); our percentage threshold off, so that
    // Entra's count of 500 is what stops it (at 25% of 600 the percentage would stop it first).
    await graph.expect(204, 'PUT', `/v1.0/servicePrincipals/${job.spId}/synchronization/secrets`, {
      value: [{ key: 'SyncNotificationSettings', value: JSON.stringify({ Enabled: true, Recipients: 'admin@example.org', DeleteThresholdEnabled: true, DeleteThresholdValue: 500, DeleteThresholdPercentage: 0 }) }],
    });
    await waitFor('the 600 users in the cloud', async () => ((await cloudUsers()) === USERS ? true : undefined));

    // The bulk delete; a cycle is also started in the middle of it, so that it certainly
    // reaches the service in slices (the agent's change signals start more).
    for (let i = 0; i < USERS; i++) {
      await ldap.del(dns[i]!);
      if (i === 150) await graph.expect(204, 'POST', `${jobPath(job)}/start`);
    }
    const quarantined = await waitFor('the job in quarantine', async () => {
      const status = await jobStatus();
      return status.code === 'Quarantine' ? status : undefined;
    });
    assert.equal(quarantined.quarantine?.reason, 'TooManyDeletes');
    assert.match(quarantined.quarantine!.error.message, /reach the delete threshold of 500.*ForceDeletes/);
    // The rest of the burst is staged by the cycles that follow (the job holds every delete).
    const staged = await waitFor('600 stagedDelete entries', async () => {
      const entries = await logEntries('stagedDelete');
      return entries.length >= USERS ? entries : undefined;
    }, () => serve.process.output.slice(-20).join('\n'));
    assert.equal(staged.length, USERS, 'each delete staged once');
    assert.equal(new Set(staged.map((e) => e.sourceIdentity.id)).size, USERS);
    assert.equal((await logEntries('delete')).length, 0, 'nothing deleted');
    assert.equal(await cloudUsers(), USERS, 'every user still in the cloud');
    assert.equal((await jobStatus()).code, 'Quarantine');
    const noticesOf = () => mail.received.filter((m) => m.subject.includes(job.jobId));
    const notices = await waitFor('the notification email', async () => (noticesOf().length > 0 ? noticesOf() : undefined));
    assert.equal(notices.length, 1, `one email: ${notices.map((m) => m.subject).join(' | ')}`);
    assert.deepEqual(notices[0]!.to, ['admin@example.org']);
    assert.match(notices[0]!.subject, /quarantined \(TooManyDeletes\)/);
    assert.match(notices[0]!.text, /ForceDeletes/);

    await graph.expect(204, 'POST', `${jobPath(job)}/restart`, { criteria: { resetScope: 'ForceDeletes' } });
    await waitFor('the users deleted after ForceDeletes', async () => ((await cloudUsers()) === 0 ? true : undefined), () => serve.process.output.slice(-20).join('\n'));
    assert.equal((await logEntries('delete')).length, USERS);
    const after = await jobStatus();
    assert.equal(after.code, 'Active');
    assert.equal(after.quarantine, null);
    assert.equal(noticesOf().length, 1, 'one email for the one transition (the restart lifted the quarantine)');
  });
});
