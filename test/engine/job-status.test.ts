/**
 * What a cycle's execution does to the job's status (engine/job-status.ts), in Graph's
 * synchronizationStatus terms: lastSuccessfulExecution is "the last execution of this job,
 * which didn't have any errors", so a cycle with escrows (EntryLevelErrors) does not become
 * it, though it resets countSuccessiveCompleteFailures (it is not a complete failure) and,
 * having exported, is lastSuccessfulExecutionWithExports ("the last execution which
 * exported objects").
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newCounters } from '../../src/engine/cycle-context.ts';
import { executionOf, recordExecution } from '../../src/engine/job-status.ts';
import { openHarness, type Harness } from './support.ts';

let h: Harness;
const jobId = 'job-status';

before(async () => {
  h = await openHarness();
  await h.store.transaction((tx) => tx.directory.putSynchronizationJob({
    tenantId: h.tenantId, id: jobId, templateId: 'AD2AADProvisioning', servicePrincipalId: 'sp-status',
    schedule: { expiration: null, interval: 'PT2M', state: 'Active' }, status: { code: 'Active' },
    synchronizationJobSettings: [], schema: null, createdDateTime: new Date().toISOString(),
  }));
});
after(async () => {
  await h?.close();
});

async function record(id: string, counts: { exported?: number; escrowed?: number }, error?: Error): Promise<Record<string, unknown>> {
  const counters = { ...newCounters(), imported: 5, exported: counts.exported ?? 0, escrowed: counts.escrowed ?? 0 };
  const at = new Date();
  await recordExecution(h.store, h.tenantId, jobId, executionOf(id, counters, at, at, error));
  return (await h.store.directory.getSynchronizationJob(h.tenantId, jobId))!.status as Record<string, unknown>;
}
const idOf = (execution: unknown): string | undefined => (execution as { activityIdentifier?: string } | null | undefined)?.activityIdentifier;

test('only a cycle without errors is lastSuccessfulExecution; one with escrows resets the failure count and counts for exports; steady state needs no errors', async () => {
  let status = await record('c1', { exported: 3 });
  assert.equal(idOf(status.lastSuccessfulExecution), 'c1');
  assert.equal(idOf(status.lastSuccessfulExecutionWithExports), 'c1');

  status = await record('c2', {}, Object.assign(new Error('the agent is gone'), { code: 'ERR_RELAY_NO_AGENT' }));
  assert.equal(status.countSuccessiveCompleteFailures, 1);
  assert.equal(idOf(status.lastExecution), 'c2');
  assert.equal(idOf(status.lastSuccessfulExecution), 'c1');

  status = await record('c3', { exported: 2, escrowed: 1 });
  assert.equal((status.lastExecution as { state: string }).state, 'EntryLevelErrors');
  assert.equal(status.countSuccessiveCompleteFailures, 0, 'not a complete failure');
  assert.equal(idOf(status.lastSuccessfulExecution), 'c1', 'a cycle with errors is not a successful execution');
  assert.equal(idOf(status.lastSuccessfulExecutionWithExports), 'c3', 'it exported');

  status = await record('c4', { escrowed: 1 });
  assert.equal(idOf(status.lastSuccessfulExecution), 'c1');
  assert.equal(status.steadyStateLastAchievedTime, undefined, 'an escrow is work left: no steady state');

  status = await record('c5', {});
  assert.equal(idOf(status.lastSuccessfulExecution), 'c5');
  assert.equal(idOf(status.lastSuccessfulExecutionWithExports), 'c3');
  assert.ok(status.steadyStateLastAchievedTime, 'a clean cycle with nothing to export is steady state');
});
