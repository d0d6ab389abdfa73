/**
 * End to end on Postgres: `canopy serve --store postgres://…` (a fresh schema of a database
 * created for this file), one agent against the Samba DC, the fixture domain enabled through
 * the Graph API; the initial sync lands in Postgres (nothing in a SQLite file) and the cloud
 * equals AD, as with SQLite (fixture-sync.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Client } from 'ldapts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { loadFixture, inScopeObjects, type FixtureDescription } from '../support/fixture.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { adminClient, compareCloud, readCloud, readExpected } from './support/ad-expected.ts';
import { GraphClient, enableDomain, readBootstrap, waitForCycle, type EnabledJob } from './support/graph.ts';
import { enrollAgent, runAgent, startServe, stopProcess, type CanopyProcess, type ServeProcess } from './support/processes.ts';

const db = await createTestDatabase();
const skip = skipReason() ?? ('skip' in db ? db.skip : undefined);

describe('e2e: initial sync of the fixture into Postgres (serve --store postgres://… + agent + Samba DC)', { skip }, () => {
  let dir: string;
  let storeUrl: string;
  let serve: ServeProcess;
  let agent: CanopyProcess;
  let graph: GraphClient;
  let fixture: FixtureDescription;
  let ldap: Client;
  let job: EnabledJob;

  before(async () => {
    if ('skip' in db) return;
    fixture = loadFixture();
    dir = mkdtempSync(join(tmpdir(), 'canopy-e2e-postgres-'));
    storeUrl = db.freshSchemaUrl();
    serve = await startServe(join(dir, 'service'), { store: storeUrl });
    graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
    agent = await runAgent(await enrollAgent(dir, serve, 'agent1'));
    ldap = await adminClient();
  });
  after(async () => {
    await ldap?.unbind().catch(() => undefined);
    if (agent) await stopProcess(agent);
    if (serve) await stopProcess(serve.process);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the initial sync completes; the cloud equals AD; the state is in Postgres, not in a SQLite file', async () => {
    const since = new Date();
    job = await enableDomain(graph, { domain: adEnv().domain, containers: [fixture.rootDn] });
    const initial = await waitForCycle(graph, job, since, 300_000);
    assert.equal(initial.error, null, JSON.stringify(initial.error));
    assert.equal(initial.state, 'Succeeded');
    assert.equal(initial.countEscrowed, 0);

    const expected = await readExpected(ldap, [fixture.rootDn]);
    const cloud = await readCloud(graph);
    const diffs = await compareCloud(graph, expected, cloud);
    assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} differences`);
    assert.equal(cloud.users.size, inScopeObjects(fixture).filter((o) => o.kind === 'user').length);
    assert.equal(cloud.groups.size, inScopeObjects(fixture).filter((o) => o.kind === 'group').length);
    assert.deepEqual(cloud.duplicateAnchors, []);

    assert.equal(existsSync(join(serve.dataDir, 'canopy.db')), false, 'no SQLite database in the data folder');
    const schema = new URL(storeUrl).searchParams.get('schema')!;
    const raw = new pg.Client({ connectionString: storeUrl.replace(/\?.*$/, '') });
    await raw.connect();
    try {
      const users = await raw.query(`SELECT count(*)::int AS n FROM ${schema}.directory_users WHERE on_premises_sync_enabled`);
      assert.equal(users.rows[0].n, cloud.users.size);
      const watermark = await raw.query(`SELECT watermark FROM ${schema}.directory_watermarks WHERE job_id = $1`, [job.jobId]);
      assert.equal(watermark.rowCount, 1, 'the committed watermark is in Postgres');
      const agents = await raw.query(`SELECT count(*)::int AS n FROM ${schema}.relay_agents`);
      assert.equal(agents.rows[0].n, 1, 'the enrolled agent is in Postgres');
    } finally {
      await raw.end();
    }
  });
});
