/**
 * Password hash sync through real processes: `canopy serve` over HTTPS, `canopy agent run`
 * with a passwordHashSync block, the domain enabled through Graph, an AD2AADPasswordHash job
 * created and started as Microsoft's walkthrough does it. A user of the per-run OU signs in
 * with the AD password through @azure/msal-node; after a password change in AD and the
 * job's next cycle the new password works and the old one does not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { createTestOu, type TestOu } from '../ad/helpers.ts';
import { addUser, credentialsFor, setPassword } from '../drs/support.ts';
import { makeTestCertificates } from '../api/support/test-ca.ts';
import { GraphClient, enableDomain, readBootstrap, runCycleNow, waitForCycle, type EnabledJob } from './support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const run = promisify(execFile);

describe('e2e: password hash sync and sign-in with the AD password', { skip: skipReason(), timeout: 600_000 }, () => {
  const tag = Math.random().toString(36).slice(2, 8);
  const alice = `phs-e-${tag}`;
  const pw = (n: number) => `${alice}-Pw-${n}!`;
  let ou: TestOu;
  let dir: string;
  let caFile: string;
  let serve: ServeProcess;
  let agent: CanopyProcess;
  let graph: GraphClient;
  let passwordHashJob: EnabledJob;

  async function signIn(...passwords: string[]): Promise<{ ok: boolean; username?: string; message?: string }[]> {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../identity/support/ropc-script.ts')], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: caFile,
        CANOPY_API_URL: serve.url.replace('127.0.0.1', 'localhost'),
        CANOPY_TENANT: graph.credentials.tenantId,
        CANOPY_ATTEMPTS: JSON.stringify(passwords.map((password) => ({ username: `${alice}@${adEnv().domain}`, password }))),
      },
      timeout: 120_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as { ok: boolean; username?: string; message?: string }[];
  }

  before(async () => {
    ou = await createTestOu();
    await addUser(ou.admin, `CN=${alice},${ou.dn}`, alice, pw(1));
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-phs-'));
    caFile = makeTestCertificates(dir).caFile;
    serve = await startServe(join(dir, 'service'), { tls: { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') } });
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir), readFileSync(caFile));
    const enrolled = await enrollAgent(dir, serve, 'agent1', caFile);
    const config = JSON.parse(readFileSync(enrolled.config, 'utf8')) as { domains: Record<string, unknown>[] };
    const { user, domain } = credentialsFor(adEnv().bindDn, adEnv().password);
    config.domains[0]!.passwordHashSync = { user, netbiosDomain: domain };
    writeFileSync(enrolled.config, JSON.stringify(config, null, 2));
    agent = await runAgent(enrolled);
  });
  after(async () => {
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await ou?.cleanup();
  });

  test('enable provisioning and password hash sync through Graph; the user signs in with the AD password', async () => {
    const since = new Date();
    const provisioning = await enableDomain(graph, { domain: adEnv().domain, containers: [ou.dn] });
    assert.equal((await waitForCycle(graph, provisioning, since)).error, null);
    const base = `/v1.0/servicePrincipals/${provisioning.spId}/synchronization`;
    const created = await graph.expect(201, 'POST', `${base}/jobs`, { templateId: 'AD2AADPasswordHash' });
    passwordHashJob = { spId: provisioning.spId, jobId: created.id as string };
    await graph.expect(204, 'PUT', `${base}/secrets`, { value: [{ key: 'Domain', value: JSON.stringify({ domain: adEnv().domain }) }, { key: 'AppKey', value: JSON.stringify({ appKeyScenario: 'AD2AADPasswordHash' }) }] });
    const first = await runCycleNow(graph, passwordHashJob);
    assert.equal(first.error, null, JSON.stringify(first));
    assert.equal(first.state, 'Succeeded');
    assert.ok(first.countExported >= 1, `hashes stored: ${first.countExported}`);
    const [signedIn, wrong] = await signIn(pw(1), pw(9));
    assert.equal(signedIn!.ok, true, signedIn!.message);
    assert.equal(signedIn!.username, `${alice}@${adEnv().domain}`);
    assert.equal(wrong!.ok, false);
    assert.match(wrong!.message!, /AADSTS50126/);
  });

  test('a password changed in AD: after the job\'s next cycle the new one signs in, the old one no longer', async () => {
    await setPassword(ou.admin, `CN=${alice},${ou.dn}`, pw(2));
    const next = await runCycleNow(graph, passwordHashJob);
    assert.equal(next.error, null, JSON.stringify(next));
    const [oldOne, newOne] = await signIn(pw(1), pw(2));
    assert.equal(oldOne!.ok, false);
    assert.match(oldOne!.message!, /AADSTS50126/);
    assert.equal(newOne!.ok, true, newOne!.message);
  });
});
