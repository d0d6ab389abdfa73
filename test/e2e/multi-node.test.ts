/**
 * Two `canopy serve` nodes on one Postgres, an agent on each, the fixture domain: the job's
 * cycle runs on the node holding its lease; that node is killed (SIGKILL) mid-sync; the
 * other node takes the lease once it expired, resumes from the committed watermark and
 * finishes; the cloud equals AD with no duplicate anchors. A token signed by one node is
 * accepted by the other (one signing key per installation).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Client } from 'ldapts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { loadFixture, inScopeObjects, type FixtureDescription } from '../support/fixture.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { adminClient, compareCloud, readCloud, readExpected } from './support/ad-expected.ts';
import { GraphClient, enableDomain, jobPath, readBootstrap, waitForCycle } from './support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const db = await createTestDatabase();
const skip = skipReason() ?? ('skip' in db ? db.skip : undefined);
const LEASE_ENV = { CANOPY_LEASE_TTL_MS: '4000' };

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('e2e: two service nodes on one Postgres, the job-holding node killed mid-sync', { skip }, () => {
  let dir: string;
  let storeUrl: string;
  const nodes: ServeProcess[] = [];
  const agents: CanopyProcess[] = [];
  let fixture: FixtureDescription;
  let ldap: Client;
  let raw: pg.Client;
  let schema: string;

  before(async () => {
    if ('skip' in db) return;
    fixture = loadFixture();
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-nodes-'));
    storeUrl = db.freshSchemaUrl();
    schema = new URL(storeUrl).searchParams.get('schema')!;
    nodes.push(await startServe(join(dir, 'node-a'), { store: storeUrl, env: LEASE_ENV }));
    nodes.push(await startServe(join(dir, 'node-b'), { store: storeUrl, env: LEASE_ENV }));
    // Registration tokens are made with node A's bootstrap credentials; each agent enrolls with, and connects to, its own node.
    for (const [i, node] of nodes.entries()) {
      agents.push(await runAgent(await enrollAgent(dir, { ...node, dataDir: nodes[0]!.dataDir }, `agent-${i}`, undefined, 25)));
    }
    ldap = await adminClient();
    raw = new pg.Client({ connectionString: storeUrl.replace(/\?.*$/, '') });
    await raw.connect();
  });
  after(async () => {
    await raw?.end().catch(() => undefined);
    await ldap?.unbind().catch(() => undefined);
    for (const agent of agents) await stopProcess(agent);
    for (const node of nodes) await stopProcess(node.process);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the lease holder dies mid-sync; the other node takes over from the committed watermark and finishes; cloud equals AD', async () => {
    const credentials = readBootstrap(nodes[0]!.dataDir);
    const graphA = new GraphClient(nodes[0]!.url, credentials);
    // Node B accepts node A's token: one signing key for the installation.
    const graphB = new GraphClient(nodes[1]!.url, credentials);
    (graphB as unknown as { token(): Promise<string> }).token = () => graphA.token();
    const job = await enableDomain(graphA, { domain: adEnv().domain, containers: [fixture.rootDn], start: false });
    await graphB.expect(204, 'PATCH', jobPath(job), { schedule: { interval: 'PT5S' } });
    await graphB.expect(204, 'POST', `${jobPath(job)}/start`);

    // The holder: the node whose pid is in the lease row, once a page has committed.
    const holderPid = await until(async () => {
      const lease = await raw.query(`SELECT holder FROM ${schema}.engine_job_leases WHERE job_id = $1 AND expires_at > now()`, [job.jobId]);
      const watermark = await raw.query(`SELECT 1 FROM ${schema}.directory_watermarks WHERE job_id = $1`, [job.jobId]);
      return lease.rowCount === 1 && watermark.rowCount === 1 ? Number((lease.rows[0].holder as string).split(':')[1]) : undefined;
    }, 'a page committed under a lease');
    const before = await raw.query(`SELECT status -> 'lastExecution' AS last FROM ${schema}.directory_sync_jobs WHERE id = $1`, [job.jobId]);
    const usersBefore = (await raw.query(`SELECT count(*)::int AS n FROM ${schema}.directory_users`)).rows[0].n as number;
    const victim = nodes.findIndex((n) => n.process.child.pid === holderPid);
    assert.notEqual(victim, -1, `the holder ${holderPid} is one of the nodes`);
    const killedAt = new Date();
    nodes[victim]!.process.kill('SIGKILL');
    await nodes[victim]!.process.exited;
    const survivor = nodes[1 - victim]!;
    const graph = victim === 0 ? graphB : graphA;

    const finished = await waitForCycle(graph, job, killedAt, 300_000);
    assert.equal(finished.state, 'Succeeded', JSON.stringify(finished));
    console.log(`# killed the holder with ${usersBefore} users written; the survivor's cycle: ${JSON.stringify(finished)}`);
    assert.equal(before.rows[0].last, null, 'killed during the initial sync: no cycle had ended');
    assert.ok(finished.countExported > 0, 'the survivor applied the rest of the initial sync');
    const lease = await raw.query(`SELECT holder, token FROM ${schema}.engine_job_leases WHERE job_id = $1`, [job.jobId]);
    assert.equal(Number((lease.rows[0].holder as string).split(':')[1]), survivor.process.child.pid, 'the survivor took the lease');
    assert.ok(Number(lease.rows[0].token) >= 2, 'with a higher fencing token');
    // The node logs the cycle after recording it in the job's status: its line may come a moment after.
    await survivor.process.waitForLine(/cycle .* of job .* (Succeeded|succeeded)/i, 30_000);

    const expected = await readExpected(ldap, [fixture.rootDn]);
    const cloud = await readCloud(graph);
    const diffs = await compareCloud(graph, expected, cloud);
    assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} differences`);
    assert.equal(cloud.users.size, inScopeObjects(fixture).filter((o) => o.kind === 'user').length);
    assert.deepEqual(cloud.duplicateAnchors, []);
  });
});
