/**
 * End to end, quarantine on total failure and notification email with the mail server down:
 * a service and an agent as real processes, a real SMTP server on loopback read back. The
 * agent stops: the job's cycles fail, and after QuarantineAfterFailures (2 here) the job is
 * in Quarantine (EncounteredQuarantineException) with a nextAttempt further than its interval.
 * The mail server is down meanwhile; the agent comes back and the next cycle (started by its
 * connecting) succeeds and releases the job, mail server or not. The service is then
 * restarted, the mail server still down: the two emails wait in the store's outbox, not in
 * the process. When the mail server is back, they arrive, once each, in that order.
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
import { GraphClient, enableDomain, jobPath, readBootstrap, type EnabledJob, type Execution } from './support/graph.ts';
import { enrollAgent, freePort, runAgent, startServe, stopProcess, type AgentSetup, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const WAIT_MS = 180_000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms ${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

type Status = { code: string; countSuccessiveCompleteFailures: number; lastExecution: Execution | null; quarantine: { reason: string; currentBegan: string; nextAttempt: string; error: { message: string } } | null };

describe('e2e: quarantine when the agent is gone, released when it is back; email while the mail server is down', { skip: skipReason(), timeout: 600_000 }, () => {
  const suffix = randomBytes(3).toString('hex');
  const mail = new SmtpSink();
  let dir: string;
  let serve: ServeProcess;
  let setup: AgentSetup;
  let agent: CanopyProcess | undefined;
  let graph: GraphClient;
  let ldap: Client;
  let job: EnabledJob;
  let ou: string;
  let user: string;
  let serveEnv: Record<string, string>;
  let port: number;

  const status = async (): Promise<Status> => (await graph.get(jobPath(job))).status as Status;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-quarantine-'));
    await mail.start();
    serveEnv = { CANOPY_SMTP_HOST: '127.0.0.1', CANOPY_SMTP_PORT: String(mail.port), CANOPY_SMTP_SECURITY: 'none', CANOPY_SMTP_FROM: 'canopy@example.org', CANOPY_SMTP_RETRY_MS: '500' };
    // A fixed port: the restarted service comes back where the agent reconnects.
    port = await freePort();
    serve = await startServe(join(dir, 'service'), { port, env: serveEnv });
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    setup = await enrollAgent(dir, serve, 'agent1');
    agent = await runAgent(setup);
    ldap = await adminClient();
    ou = `OU=quarantine-${suffix},${adEnv().baseDn}`;
    await ldap.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    user = `CN=Quinn,${ou}`;
    await ldap.add(user, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: `quinn-${suffix}`, userPrincipalName: `quinn.${suffix}@${adEnv().domain}`, userAccountControl: '544' });
  });
  after(async () => {
    if (ldap) {
      await ldap.del(user).catch(() => undefined);
      await ldap.del(ou).catch(() => undefined);
      await ldap.unbind().catch(() => undefined);
    }
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    await mail.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('quarantined after the configured failures, released by the next good cycle, one email each once the mail server is back', async () => {
    job = await enableDomain(graph, { domain: adEnv().domain, containers: [ou], start: false });
    await graph.expect(204, 'PUT', `/v1.0/servicePrincipals/${job.spId}/synchronization/secrets`, {
      value: [{ key: 'SyncNotificationSettings', value: JSON.stringify({ Enabled: true, Recipients: 'admin@example.org', QuarantineAfterFailures: 2 }) }],
    });
    await graph.expect(204, 'PATCH', jobPath(job), { schedule: { interval: 'PT2S' } });
    await graph.expect(204, 'POST', `${jobPath(job)}/start`);
    await waitFor('Quinn in the cloud', async () => {
      const body = await graph.get(`/v1.0/users?$filter=${encodeURIComponent(`userPrincipalName eq 'quinn.${suffix}@${adEnv().domain}'`)}&$select=id`);
      return (body.value as unknown[]).length === 1 ? true : undefined;
    });

    await mail.stop();
    await stopProcess(agent!);
    agent = undefined;
    const quarantined = await waitFor('the job in quarantine', async () => {
      const s = await status();
      return s.code === 'Quarantine' ? s : undefined;
    }, () => serve.process.output.slice(-10).join('\n'));
    assert.equal(quarantined.quarantine?.reason, 'EncounteredQuarantineException');
    assert.ok(quarantined.countSuccessiveCompleteFailures >= 2);
    assert.match(quarantined.quarantine!.error.message, /cycles in a row failed: .*agent/i);
    assert.ok(Date.parse(quarantined.quarantine!.nextAttempt) - Date.parse(quarantined.quarantine!.currentBegan) >= 4_000, 'the next attempt backs off past the PT2S interval');

    agent = await runAgent(setup);
    const released = await waitFor('the job released', async () => {
      const s = await status();
      return s.code === 'Active' && s.quarantine === null ? s : undefined;
    }, () => serve.process.output.slice(-10).join('\n'));
    assert.equal(released.lastExecution?.state, 'Succeeded', 'the cycle succeeded with the mail server down');
    assert.equal(mail.received.length, 0);
    const firstRun = serve.process.output;
    assert.ok(firstRun.some((line) => /notification email .* not sent .*kept in the outbox/.test(line)), 'the failed sends were logged');

    // The service restarts while the mail server is still down: the emails are in its store.
    await stopProcess(serve.process);
    serve = await startServe(serve.dataDir, { port, env: serveEnv });
    await waitFor('the agent back on the restarted service', async () => (serve.process.output.some((line) => /agent \S+ connected/.test(line)) ? true : undefined), () => serve.process.output.slice(-10).join('\n'));
    await waitFor('a failed send after the restart', async () => (serve.process.output.some((line) => /notification email .* not sent/.test(line)) ? true : undefined), () => serve.process.output.slice(-10).join('\n'));
    assert.equal((await status()).code, 'Active', 'cycles go on without the mail server');

    await mail.start(mail.port);
    const mails = await waitFor('both emails', async () => (mail.received.length >= 2 ? mail.received : undefined), () => serve.process.output.slice(-10).join('\n'));
    const subjects = mails.map((m) => m.subject);
    assert.equal(subjects.length, 2, subjects.join(' | '));
    assert.match(subjects[0]!, new RegExp(`${job.jobId}.*is quarantined \\(EncounteredQuarantineException\\)`));
    assert.match(subjects[1]!, new RegExp(`${job.jobId}.*is out of quarantine`));
    assert.deepEqual(mails[0]!.to, ['admin@example.org']);
    assert.equal(serve.process.output.filter((line) => /notification email sent/.test(line)).length, 2, 'the restarted service sent them');
    // Delivered once: nothing more comes on later cycles and sweeps.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal(mail.received.length, 2, mail.received.map((m) => m.subject).join(' | '));
  });
});
