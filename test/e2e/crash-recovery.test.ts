/**
 * End to end, crashes: `canopy serve` killed with SIGKILL in the middle of the initial sync
 * of the fixture and started again on the same data folder and port; then the agent killed
 * with SIGKILL in the middle of a full re-read (restart with resetScope Full) and started
 * again. Each time the next cycle brings the cloud to exactly what AD holds, with no
 * duplicate anchors (checked in the SQLite file itself) and the watermark replayed safely.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Client } from 'ldapts';
import { directoryDatabasePath } from '../../src/directory/sqlite/store.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { loadFixture, type FixtureDescription } from '../support/fixture.ts';
import { adminClient, compareCloud, readCloud, readExpected, type Expected } from './support/ad-expected.ts';
import { GraphClient, enableDomain, jobPath, readBootstrap, runCycleNow, waitForCycle, type EnabledJob } from './support/graph.ts';
import { enrollAgent, freePort, runAgent, startServe, stopProcess, type AgentSetup, type CanopyProcess, type ServeProcess } from './support/processes.ts';

describe('e2e: kill -9 of the service and of the agent mid-sync', { skip: skipReason() }, () => {
  let dir: string;
  let port: number;
  let serve: ServeProcess;
  let agentSetup: AgentSetup;
  let agent: CanopyProcess;
  let graph: GraphClient;
  let ldap: Client;
  let fixture: FixtureDescription;
  let expected: Expected;
  let job: EnabledJob;

  before(async () => {
    fixture = loadFixture();
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-crash-'));
    port = await freePort();
    serve = await startServe(join(dir, 'service'), { port });
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    // Pages of 100 make the initial sync dozens of commits, so the kill below lands between
    // the first committed page and the last however fast the pipeline is.
    agentSetup = await enrollAgent(dir, serve, 'agent1', undefined, 100);
    agent = await runAgent(agentSetup);
    ldap = await adminClient();
    expected = await readExpected(ldap, [fixture.rootDn]);
  });
  after(async () => {
    await ldap?.unbind().catch(() => undefined);
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    rmSync(dir, { recursive: true, force: true });
  });

  const eventual = { ConsistencyLevel: 'eventual' };
  async function cloudUserCount(): Promise<number> {
    return Number((await graph.call('GET', '/v1.0/users/$count', undefined, eventual)).body);
  }
  async function running(): Promise<boolean> {
    const status = await graph.get('/canopy/v1/status');
    return (status.jobs as { id: string; current: { running: boolean } | null }[]).find((j) => j.id === job.jobId)?.current?.running === true;
  }
  /** Polls until `condition` holds; fails after `timeoutMs`. */
  async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The cloud equals AD; the SQLite file holds one user per anchor and one group per anchor, deleted ones included. */
  async function assertCloudEqualsAd(): Promise<void> {
    const cloud = await readCloud(graph);
    const diffs = await compareCloud(graph, expected, cloud);
    assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} differences`);
    assert.deepEqual(cloud.duplicateAnchors, []);
    const db = new Database(directoryDatabasePath(serve.dataDir), { readonly: true, fileMustExist: true });
    try {
      const tenantId = graph.credentials.tenantId;
      const users = db.prepare('SELECT count(*) AS n, count(DISTINCT on_premises_immutable_id) AS anchors FROM directory_users WHERE tenant_id = ?').get(tenantId) as { n: number; anchors: number };
      const groups = db.prepare('SELECT count(*) AS n, count(DISTINCT source_anchor) AS anchors FROM directory_groups WHERE tenant_id = ?').get(tenantId) as { n: number; anchors: number };
      assert.deepEqual(users, { n: expected.users.size, anchors: expected.users.size }, 'no user twice, none left behind in deleted items');
      assert.deepEqual(groups, { n: expected.groups.size, anchors: expected.groups.size });
      const engine = db.prepare("SELECT count(*) AS n, count(DISTINCT object_guid) AS guids FROM engine_source_objects WHERE tenant_id = ? AND job_id = ? AND state = 'synced'").get(tenantId, job.jobId) as { n: number; guids: number };
      assert.deepEqual(engine, { n: expected.users.size + expected.groups.size, guids: expected.users.size + expected.groups.size });
    } finally {
      db.close();
    }
  }

  test('the service killed (SIGKILL) during the initial sync, started again: the cycle resumes and the cloud equals AD', async () => {
    const started = Date.now();
    job = await enableDomain(graph, { domain: adEnv().domain, containers: [fixture.rootDn] });
    await until('the first committed pages', async () => (await cloudUserCount()) >= 200);
    assert.ok(await running(), 'the initial sync is running');
    serve.process.kill('SIGKILL');
    const killed = await serve.process.exited;
    assert.equal(killed.signal, 'SIGKILL');

    serve = await startServe(serve.dataDir, { port });
    const scheduled = (await graph.get('/canopy/v1/status')).jobs as { id: string; current: { running: boolean; nextRunAt: string | null } | null }[];
    const current = scheduled.find((j) => j.id === job.jobId)!.current!;
    assert.ok(current.running || (current.nextRunAt !== null && Date.parse(current.nextRunAt) <= Date.now() + 2 * 60_000), `the restarted service scheduled the job again: ${JSON.stringify(current)}`);
    const atRestart = await cloudUserCount();
    assert.ok(atRestart > 0 && atRestart < expected.users.size, `killed mid-sync: ${atRestart} of ${expected.users.size} users were committed`);
    await agent.waitForLine(/connected to/, 30_000, true);
    const resumed = await runCycleNow(graph, job);
    assert.equal(resumed.error, null, JSON.stringify(resumed.error));
    console.log(`# e2e service crash: ${atRestart} users committed before SIGKILL; the resumed cycle imported ${resumed.countImported}, exported ${resumed.countExported}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
    await assertCloudEqualsAd();

    const quiet = await runCycleNow(graph, job);
    assert.equal(quiet.error, null);
    assert.equal(quiet.countExported, 0, 'a replayed watermark changes nothing more');
  });

  test('the agent killed (SIGKILL) during a full re-read, started again: the next cycle completes and the cloud equals AD', async () => {
    const started = Date.now();
    const since = new Date();
    await graph.expect(204, 'POST', `${jobPath(job)}/restart`, { criteria: { resetScope: 'Full' } });
    await until('the full re-read to run', running, 30_000);
    // Killed as soon as the cycle runs: a full re-read takes seconds, so this lands mid-read
    // however fast the pipeline gets (a fixed pause here once outlived the whole read).
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(await running(), 'the re-read is still running');
    agent.kill('SIGKILL');
    await agent.exited;
    const interrupted = await waitForCycle(graph, job, since, 120_000);
    console.log(`# e2e agent crash: the interrupted cycle ended ${interrupted.state}${interrupted.error ? ` (${interrupted.error.code}: ${interrupted.error.message})` : ''}`);

    agent = await runAgent(agentSetup);
    const next = await runCycleNow(graph, job);
    assert.equal(next.error, null, JSON.stringify(next.error));
    console.log(`# e2e agent crash: the next cycle imported ${next.countImported}, exported ${next.countExported}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
    await assertCloudEqualsAd();
  });

  test('SIGTERM during a cycle: the service stops cleanly at a page boundary (exit 0); after a restart the cloud equals AD', async () => {
    await graph.expect(204, 'POST', `${jobPath(job)}/restart`, { criteria: { resetScope: 'Full' } });
    await until('the full re-read to run', running, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(await running(), 'the re-read is still running');
    const asked = Date.now();
    serve.process.kill('SIGTERM');
    const stopped = await serve.process.exited;
    assert.deepEqual(stopped, { code: 0, signal: null }, serve.process.output.slice(-5).join('\n'));
    assert.ok(Date.now() - asked < 15_000, `stopped in ${Date.now() - asked} ms`);
    assert.ok(serve.process.output.some((line) => /SIGTERM: stopping/.test(line)));

    serve = await startServe(serve.dataDir, { port });
    await agent.waitForLine(/connected to/, 30_000, true);
    const next = await runCycleNow(graph, job);
    assert.equal(next.error, null, JSON.stringify(next.error));
    await assertCloudEqualsAd();
  });
});
