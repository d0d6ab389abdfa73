/**
 * End to end, the done-when line "Move the whole scoping OU away (or rename it) in a
 * directory smaller than 500: the percentage threshold stops it." A service and an agent as
 * real processes against the Samba DC, a real SMTP server on loopback. A job scoped to a
 * per-run OU of 30 users; the OU is renamed in AD, so every user leaves the job's scope: 30
 * deletes, far under Entra's count of 500 but 100% of the job's objects, at or above the
 * default percentage threshold (25%). Nothing is deleted, 30 stagedDelete entries, the job in
 * Quarantine/TooManyDeletes naming the percentage, one email. The OU is renamed back and the
 * job restarted without ForceDeletes: the deletes are evaluated again, the users that came
 * back stay, nothing is deleted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Control, type Client } from 'ldapts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { SmtpSink } from '../support/smtp-sink.ts';
import { adminClient } from './support/ad-expected.ts';
import { GraphClient, enableDomain, jobPath, readBootstrap, type EnabledJob } from './support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const USERS = 30;
const WAIT_MS = 300_000;
const TREE_DELETE = '1.2.840.113556.1.4.805';

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
type Status = { code: string; quarantine: { reason: string; error: { message: string } } | null };

describe('e2e: the scoping OU renamed in a small directory: the percentage threshold holds the deletes', { skip: skipReason(), timeout: 900_000 }, () => {
  const suffix = randomBytes(3).toString('hex');
  let dir: string;
  let serve: ServeProcess;
  let agent: CanopyProcess;
  let graph: GraphClient;
  let ldap: Client;
  let job: EnabledJob;
  let root: string;
  let scope: string;
  let renamed: string;
  const mail = new SmtpSink();

  const cloudUsers = async (): Promise<number> => {
    let n = 0;
    const filter = encodeURIComponent(`startswith(userPrincipalName,'ren-${suffix}-')`);
    for await (const _ of graph.all(`/v1.0/users?$filter=${filter}&$select=id&$top=999`)) n++;
    return n;
  };
  const logEntries = async (action: string): Promise<LogEntry[]> => {
    const entries: LogEntry[] = [];
    const filter = encodeURIComponent(`jobId eq '${job.jobId}'`);
    for await (const entry of graph.all<LogEntry>(`/v1.0/auditLogs/provisioning?$filter=${filter}&$top=500`)) if (entry.provisioningAction === action) entries.push(entry);
    return entries;
  };
  const jobStatus = async (): Promise<Status> => (await graph.get(jobPath(job))).status as Status;
  const logs = (): string => `\n${serve.process.output.slice(-15).join('\n')}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-rename-'));
    await mail.start();
    serve = await startServe(join(dir, 'service'), {
      env: { CANOPY_SMTP_HOST: '127.0.0.1', CANOPY_SMTP_PORT: String(mail.port), CANOPY_SMTP_SECURITY: 'none', CANOPY_SMTP_FROM: 'canopy@example.org' },
    });
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    agent = await runAgent(await enrollAgent(dir, serve, 'agent1'));
    ldap = await adminClient();
    root = `OU=rename-${suffix},${adEnv().baseDn}`;
    scope = `OU=Staff,${root}`;
    renamed = `OU=Staff-Old,${root}`;
    await ldap.add(root, { objectClass: ['top', 'organizationalUnit'] });
    await ldap.add(scope, { objectClass: ['top', 'organizationalUnit'] });
    for (let i = 0; i < USERS; i++) {
      await ldap.add(`CN=Renamed ${i},${scope}`, {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: `ren-${suffix}-${i}`,
        userPrincipalName: `ren-${suffix}-${i}@${adEnv().domain}`,
        userAccountControl: '544',
      });
    }
  });
  after(async () => {
    if (ldap) {
      await ldap.del(root, new Control(TREE_DELETE, { critical: true })).catch(() => undefined);
      await ldap.unbind().catch(() => undefined);
    }
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    await mail.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('30 users leave scope at once: held by the 25% threshold (not the count of 500), one email; renamed back and restarted: nothing deleted', async () => {
    job = await enableDomain(graph, { domain: adEnv().domain, containers: [scope] });
    // Entra's keys only: the count stays 500, the percentage is Canopy's default (25%).
    await graph.expect(204, 'PUT', `/v1.0/servicePrincipals/${job.spId}/synchronization/secrets`, {
      value: [{ key: 'SyncNotificationSettings', value: JSON.stringify({ Enabled: true, Recipients: 'admin@example.org', DeleteThresholdEnabled: true, DeleteThresholdValue: 500 }) }],
    });
    await waitFor(`the ${USERS} users in the cloud`, async () => ((await cloudUsers()) === USERS ? true : undefined), logs);

    await ldap.modifyDN(scope, renamed);
    const quarantined = await waitFor('the job in quarantine', async () => {
      const status = await jobStatus();
      return status.code === 'Quarantine' ? status : undefined;
    }, logs);
    assert.equal(quarantined.quarantine?.reason, 'TooManyDeletes');
    assert.match(quarantined.quarantine!.error.message, new RegExp(`${USERS} deletes are 100% of the job's ${USERS} synced objects, at or above the delete threshold of 25%`));
    const staged = await waitFor(`${USERS} stagedDelete entries`, async () => {
      const entries = await logEntries('stagedDelete');
      return entries.length >= USERS ? entries : undefined;
    }, logs);
    assert.equal(new Set(staged.map((e) => e.sourceIdentity.id)).size, USERS);
    assert.equal((await logEntries('delete')).length, 0, 'nothing deleted');
    assert.equal(await cloudUsers(), USERS, 'every user still in the cloud');
    const noticesOf = () => mail.received.filter((m) => m.subject.includes(job.jobId));
    const notices = await waitFor('the notification email', async () => (noticesOf().length > 0 ? noticesOf() : undefined), logs);
    assert.match(notices[0]!.subject, /quarantined \(TooManyDeletes\)/);
    assert.match(notices[0]!.text, /100% of the job's 30 synced objects/);

    // The admin undoes the rename and restarts without ForceDeletes: evaluated again.
    await ldap.modifyDN(renamed, scope);
    const since = Date.now();
    await graph.expect(204, 'POST', `${jobPath(job)}/restart`, { criteria: { resetScope: 'Watermark' } });
    type Cycle = { state: string; timeBegan: string; countExported: number };
    const reevaluated = await waitFor('a cycle after the restart', async () => {
      const status = (await graph.get(jobPath(job))).status as Status & { lastExecution: Cycle | null };
      const last = status.lastExecution;
      return last && Date.parse(last.timeBegan) >= since - 1_000 && last.state !== 'Failed' ? status : undefined;
    }, logs);
    assert.equal(reevaluated.code, 'Active', logs());
    assert.equal(reevaluated.quarantine, null, 'the deletes that came back are not counted again');
    assert.equal(await cloudUsers(), USERS);
    assert.equal((await logEntries('delete')).length, 0, 'the users that came back were not deleted');
    // And one more cycle: still nothing.
    await graph.expect(204, 'POST', `${jobPath(job)}/start`);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal((await jobStatus()).code, 'Active', logs());
    assert.equal((await logEntries('delete')).length, 0);
    assert.equal(noticesOf().length, 1, `one email: ${noticesOf().map((m) => m.subject).join(' | ')}`);
  });
});
