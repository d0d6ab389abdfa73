import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphClient, jobPath, readBootstrap, waitForCycle, type EnabledJob } from '../e2e/support/graph.ts';
import { runCanopy, spawnCanopy, type CanopyProcess } from './processes.ts';

/**
 * `canopy status` and GET /canopy/v1/status against a real `canopy serve` without any AD:
 * a job appears as soon as it is created, gets its domain from the Domain secret, and a
 * started job with no agent shows its failed cycle (the engine runs inside serve).
 */
describe('canopy status: jobs, the current cycle and the last one', () => {
  let dir: string;
  let serve: CanopyProcess;
  let graph: GraphClient;
  let job: EnabledJob;
  const adminArgs = (): string[] => ['--data', join(dir, 'service')];
  const status = async () => {
    const run = await runCanopy(['status', '--json', ...adminArgs()]);
    assert.equal(run.code, 0, run.output.join('\n'));
    return JSON.parse(run.stdout) as { jobs: { id: string; domain: string | null; state: string; interval: string; current: { running: boolean; lastError: string | null } | null; lastExecution: { state: string; error: { code: string } | null } | null }[] };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-status-'));
    serve = spawnCanopy(['serve', '--data', join(dir, 'service'), '--listen', '127.0.0.1:0'], { CANOPY_RELAY_HEARTBEAT_MS: '300' });
    const url = (await serve.waitForLine(/serving (http:\/\/\S+)/, 90_000))[1]!;
    graph = new GraphClient(url, readBootstrap(join(dir, 'service')));
  });
  after(async () => {
    serve.kill();
    await serve.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  test('no jobs yet', async () => {
    assert.deepEqual((await status()).jobs, []);
    const text = await runCanopy(['status', ...adminArgs()]);
    assert.match(text.stdout, /Jobs\nno synchronization jobs; create one with POST/);
  });

  test('a created job, then its domain from the Domain secret', async () => {
    const principals = await graph.get(`/v1.0/servicePrincipals?$filter=${encodeURIComponent("startswith(displayName,'Active Directory to Azure Active Directory Provisioning')")}`);
    const spId = (principals.value as { id: string }[])[0]!.id;
    const created = await graph.expect(201, 'POST', `/v1.0/servicePrincipals/${spId}/synchronization/jobs`, { templateId: 'AD2AADProvisioning' });
    job = { spId, jobId: created.id as string };
    let [row] = (await status()).jobs;
    assert.equal(row!.id, job.jobId);
    assert.equal(row!.domain, null);
    assert.equal(row!.state, 'Disabled');
    assert.equal(row!.interval, 'PT2M');
    assert.equal(row!.lastExecution, null);
    await graph.expect(204, 'PUT', `/v1.0/servicePrincipals/${spId}/synchronization/secrets`, { value: [{ key: 'Domain', value: JSON.stringify({ domain: 'corp.example.com' }) }] });
    [row] = (await status()).jobs;
    assert.equal(row!.domain, 'corp.example.com');
  });

  test('started with no agent for the domain: the engine runs a cycle at once, and status shows it failed', async () => {
    const since = new Date();
    await graph.expect(204, 'POST', `${jobPath(job)}/start`);
    const execution = await waitForCycle(graph, job, since, 30_000);
    assert.equal(execution.state, 'Failed');
    assert.equal(execution.error?.code, 'ERR_RELAY_NO_AGENT');
    const [row] = (await status()).jobs;
    assert.equal(row!.state, 'Active');
    assert.equal(row!.current?.running, false);
    assert.match(row!.current?.lastError ?? '', /no healthy agent/);
    assert.equal(row!.lastExecution?.state, 'Failed');
    const text = await runCanopy(['status', ...adminArgs()]);
    assert.match(text.stdout, /corp\.example\.com\s+Active\s+PT2M\s+next at \S+\s+Failed \S+ \(imported 0, exported 0, escrowed 0\), took \d+ s: no healthy agent/);
    assert.match(text.stdout, new RegExp(`\n${job.jobId} \\(corp\\.example\\.com\\)\n  failed 1 times in a row\n  last successful: none yet\n  last with exports: none yet\n`));
    await serve.waitForLine(/cycle of job \S+ failed: ERR_RELAY_NO_AGENT/);
  });

  test('PATCH schedule.interval: the scheduler runs the job at the new interval without another start', async () => {
    for (const [body, mention] of [
      [{ schedule: { interval: 'P1M' } }, /months/],
      [{ schedule: { interval: 'PT0S' } }, /minimum of PT1S/],
      [{ schedule: { interval: 'soon' } }, /not an ISO 8601 duration/],
      [{ schedule: { state: 'Paused' } }, /start and pause actions/],
      [{ templateId: 'AD2AADPasswordHash' }, /templateId/],
    ] as const) {
      const error = await graph.expect(400, 'PATCH', jobPath(job), body);
      assert.equal((error.error as { code: string }).code, 'Request_BadRequest');
      assert.match((error.error as { message: string }).message, mention);
    }
    assert.equal((await status()).jobs[0]!.interval, 'PT2M', 'a refused PATCH changes nothing');

    // Failing cycles would quarantine the job after three and back off (next test): not here.
    await graph.expect(204, 'PUT', `/v1.0/servicePrincipals/${job.spId}/synchronization/secrets`, { value: [{ key: 'SyncNotificationSettings', value: JSON.stringify({ QuarantineAfterFailures: 1000 }) }] });
    await graph.expect(204, 'PATCH', jobPath(job), { schedule: { interval: 'PT2S' } });
    const after = await graph.get(jobPath(job));
    assert.deepEqual({ interval: (after.schedule as { interval: string }).interval, state: (after.schedule as { state: string }).state }, { interval: 'PT2S', state: 'Active' });
    // Two cycles begin on their own, each after the previous one: the timer, not /start.
    const first = await waitForCycle(graph, job, new Date(), 15_000);
    const second = await waitForCycle(graph, job, new Date(Date.parse(first.timeBegan) + 1000), 15_000);
    const gap = Date.parse(second.timeBegan) - Date.parse(first.timeBegan);
    assert.ok(gap >= 1500 && gap < 12_000, `cycles ${gap} ms apart for an interval of PT2S`);
    assert.equal((await status()).jobs[0]!.interval, 'PT2S');
  });

  test('quarantined after the configured failures: the state, reason, next attempt and error, in JSON and in text', async () => {
    await graph.expect(204, 'PUT', `/v1.0/servicePrincipals/${job.spId}/synchronization/secrets`, { value: [{ key: 'SyncNotificationSettings', value: JSON.stringify({ QuarantineAfterFailures: 1 }) }] });
    type Row = { code: string; quarantine: { reason: string; nextAttempt: string; currentBegan: string } | null; countSuccessiveCompleteFailures: number; stagedDeletes: number; progress: unknown[] };
    const deadline = Date.now() + 30_000;
    let row: Row | undefined;
    while (Date.now() < deadline) {
      row = (await status()).jobs[0] as unknown as Row;
      if (row.code === 'Quarantine') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(row?.code, 'Quarantine');
    assert.equal(row!.quarantine?.reason, 'EncounteredQuarantineException');
    assert.ok(Date.parse(row!.quarantine!.nextAttempt) - Date.parse(row!.quarantine!.currentBegan) >= 4000, 'backs off past the PT2S interval');
    assert.equal(row!.stagedDeletes, 0);
    const text = await runCanopy(['status', ...adminArgs()]);
    assert.match(text.stdout, /Quarantine \(schedule Active\)/);
    assert.match(text.stdout, /QUARANTINED \(EncounteredQuarantineException\) since \S+; next attempt \S+\n {4}\d+ cycles in a row failed: .*no healthy agent/);
  });
});
