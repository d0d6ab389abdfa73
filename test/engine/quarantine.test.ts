/**
 * Quarantine on failures and escrows: the rules and back-off (quarantine.ts), the cycle
 * writing Graph's synchronizationQuarantine into the job's status with one transition per
 * series, released by a good cycle; the scheduler holding scheduled runs until nextAttempt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { runCycle } from '../../src/engine/cycle.ts';
import type { QuarantineChange, SynchronizationTaskExecution } from '../../src/engine/job-status.ts';
import { DEFAULT_QUARANTINE_POLICY, MAX_BACKOFF_MS, backoffMs, decideQuarantine, quarantinePolicyOf } from '../../src/engine/quarantine.ts';
import { Scheduler, type Timers, type Trigger } from '../../src/engine/scheduler.ts';
import type { ChangeSource, SourcePage } from '../../src/engine/ports.ts';
import { ReplaySource, openHarness, upsert, user, type Harness } from './support.ts';

const execution = (extra: Partial<SynchronizationTaskExecution>): SynchronizationTaskExecution => ({
  activityIdentifier: 'c', countEntitled: 0, countEntitledForProvisioning: 0, countEscrowed: 0, countEscrowedRaw: 0, countExported: 0, countExports: 0,
  countImported: 0, countImportedDeltas: 0, countImportedReferenceDeltas: 0, state: 'Succeeded', error: null,
  timeBegan: '2026-01-01T00:00:00.000Z', timeEnded: '2026-01-01T00:00:00.000Z', ...extra,
});
const at = new Date('2026-01-01T00:00:00.000Z');
const failed = execution({ state: 'Failed', error: { code: 'ERR_RELAY_NO_AGENT', message: 'no agent is connected for corp.canopy.test', tenantActionable: false } });

test('rules: failures in a row, base, proportion and total escrows; back-off doubles from the interval up to 24 h', () => {
  const p = DEFAULT_QUARANTINE_POLICY;
  const input = { failures: 0, jobEscrows: 0, entitled: 100, interval: 'PT2M', seriesCount: 0, at };
  assert.deepEqual(decideQuarantine(p, { ...input, execution: failed, failures: 2 }), {}, 'two failures: nothing yet, and a failure lifts nothing');
  const third = decideQuarantine(p, { ...input, execution: failed, failures: 3 });
  assert.equal(third.enter?.reason, 'EncounteredQuarantineException');
  assert.equal(third.enter?.nextAttempt?.toISOString(), '2026-01-01T00:04:00.000Z', 'twice the interval');
  assert.match(third.enter!.error.message, /3 cycles in a row failed: no agent is connected/);
  assert.equal(decideQuarantine(p, { ...input, execution: failed, failures: 4, seriesCount: 1 }).enter?.nextAttempt?.toISOString(), '2026-01-01T00:08:00.000Z');
  assert.equal(backoffMs('PT2M', 40), MAX_BACKOFF_MS);
  assert.equal(decideQuarantine(p, { ...input, execution: execution({ countEscrowed: 10, countExported: 0, state: 'EntryLevelErrors' }) }).enter?.reason, 'EncounteredBaseEscrowThreshold');
  assert.equal(decideQuarantine(p, { ...input, execution: execution({ countEscrowed: 60, countExported: 40, state: 'EntryLevelErrors' }) }).enter?.reason, 'EncounteredEscrowProportionThreshold');
  assert.equal(decideQuarantine(p, { ...input, execution: execution({ countEscrowed: 9, countExported: 0, state: 'EntryLevelErrors' }) }).enter, undefined, 'under the base');
  assert.equal(decideQuarantine(p, { ...input, jobEscrows: 1000, execution: execution({ countEscrowed: 1 }) }).enter?.reason, 'EncounteredTotalEscrowThreshold');
  assert.ok(decideQuarantine(p, { ...input, execution: execution({ countEscrowed: 1, countExported: 99 }) }).release?.includes('EncounteredQuarantineException'));
  assert.equal(quarantinePolicyOf({ QuarantineAfterFailures: '2' } as never).afterFailures, 2);
});

/** A source that fails every read (the agent unreachable) until `up` is set. */
class FlakySource implements ChangeSource {
  up = false;
  readonly replay = new ReplaySource();
  async *readDelta(job: Parameters<ChangeSource['readDelta']>[0], watermark: string | undefined): AsyncIterable<SourcePage> {
    if (!this.up) throw Object.assign(new Error('no agent is connected for corp.canopy.test'), { code: 'ERR_RELAY_NO_AGENT' });
    yield* this.replay.readDelta(job, watermark);
  }
}

async function putJob(h: Harness): Promise<void> {
  await h.store.transaction((tx) => tx.directory.putSynchronizationJob({
    tenantId: h.tenantId, id: h.job.jobId, templateId: 'AD2AADProvisioning', servicePrincipalId: 'sp',
    schedule: { expiration: null, interval: 'PT2M', state: 'Active' }, status: { code: 'Active', quarantine: null },
    synchronizationJobSettings: [], schema: null, createdDateTime: new Date().toISOString(),
  }));
}

test('a job whose cycles fail entirely quarantines after three, once; backs off; a good cycle releases it', async () => {
  const h = await openHarness();
  try {
    await putJob(h);
    const source = new FlakySource();
    const changes: QuarantineChange[] = [];
    const run = () => runCycle({ job: h.job, source, store: h.store, quarantinePolicy: DEFAULT_QUARANTINE_POLICY, onQuarantineChange: (c) => changes.push(c) });
    for (let i = 0; i < 2; i++) await assert.rejects(run(), /no agent/);
    let job = (await h.store.directory.getSynchronizationJob(h.tenantId, h.job.jobId))!;
    assert.equal(job.status.quarantine, null);
    await assert.rejects(run(), /no agent/);
    await assert.rejects(run(), /no agent/);
    assert.deepEqual(changes.map((c) => `${c.kind} ${c.reason}`), ['entered EncounteredQuarantineException'], 'one transition for the series');
    job = (await h.store.directory.getSynchronizationJob(h.tenantId, h.job.jobId))!;
    const q = job.status.quarantine as { reason: string; seriesCount: number; currentBegan: string; seriesBegan: string; nextAttempt: string; error: { code: string; message: string } };
    assert.equal(job.status.code, 'Quarantine');
    assert.equal(job.status.countSuccessiveCompleteFailures, 4);
    assert.equal(q.reason, 'EncounteredQuarantineException');
    assert.equal(q.seriesCount, 2);
    assert.equal(q.error.code, 'ERR_RELAY_NO_AGENT');
    assert.equal(Date.parse(q.nextAttempt) - Date.parse(q.currentBegan), 4 * 2 * 60_000, 'the second quarantined cycle waits four intervals');
    assert.ok(q.seriesBegan <= q.currentBegan);

    source.up = true;
    source.replay.push([upsert(user(1))]);
    const result = await run();
    assert.equal(result.quarantine?.kind, 'released');
    assert.deepEqual(changes.map((c) => c.kind), ['entered', 'released']);
    job = (await h.store.directory.getSynchronizationJob(h.tenantId, h.job.jobId))!;
    assert.equal(job.status.quarantine, null);
    assert.equal(job.status.code, 'Active');
  } finally {
    await h.close();
  }
});

test('UPN clashes for every object of a cycle: escrowed, base escrow threshold; cleared clashes release it', async () => {
  const h = await openHarness();
  try {
    await putJob(h);
    // Twelve cloud-only users hold the UPNs the AD users will bring.
    await h.store.transaction((tx) => tx.directory.createUsers(h.tenantId, Array.from({ length: 12 }, (_, i) => ({ userPrincipalName: `user${i + 1}@corp.canopy.test`, displayName: `Cloud ${i + 1}` }))));
    const source = new ReplaySource().push(Array.from({ length: 12 }, (_, i) => upsert(user(i + 1, { mail: `other${i + 1}@corp.canopy.test` }))));
    const first = await runCycle({ job: h.job, source, store: h.store, quarantinePolicy: DEFAULT_QUARANTINE_POLICY });
    assert.equal(first.execution.countEscrowed, 12);
    assert.equal(first.quarantine?.kind, 'entered');
    assert.equal(first.quarantine?.reason, 'EncounteredBaseEscrowThreshold');
    // The clashes go: the escrow retry syncs them and the cycle lifts the quarantine.
    const ids = (await h.store.directory.listUsers(h.tenantId, { limit: 100 })).items.map((u) => u.id);
    await h.store.transaction((tx) => tx.directory.deleteUsers(h.tenantId, ids));
    for (let i = 1; i <= 12; i++) source.objects.set(user(i).objectGuid, user(i, { mail: `other${i}@corp.canopy.test` }));
    const second = await runCycle({ job: h.job, source, store: h.store, quarantinePolicy: DEFAULT_QUARANTINE_POLICY });
    assert.equal(second.quarantine?.kind, 'released');
    assert.equal(await h.store.directory.countEscrows(h.tenantId, h.job.jobId), 0);
  } finally {
    await h.close();
  }
});

class VirtualTimers implements Timers {
  #now = 0;
  #next = 1;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.timers.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      for (let i = 0; i < 5; i++) await tick();
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
    for (let i = 0; i < 5; i++) await tick();
  }
}

test('the scheduler holds scheduled runs until nextAttempt; triggers still run; lifting the hold resumes the interval', async () => {
  const timers = new VirtualTimers();
  const runs: Trigger[] = [];
  const scheduler = new Scheduler({ timers, jitterRatio: 0, random: () => 0.5, runCycle: async (_job, trigger) => void runs.push(trigger) });
  scheduler.upsert({ tenantId: 't', jobId: 'j', interval: 'PT1M', state: 'Active' });
  scheduler.start();
  await timers.advance(30_000);
  assert.deepEqual(runs, ['schedule']);
  scheduler.holdUntil('t', 'j', timers.now() + 10 * 60_000);
  await timers.advance(9 * 60_000);
  assert.deepEqual(runs, ['schedule'], 'no scheduled run while held');
  await scheduler.triggerNow('t', 'j', 'agentConnected');
  assert.deepEqual(runs, ['schedule', 'agentConnected'], 'a trigger runs at once');
  await timers.advance(60_000);
  assert.deepEqual(runs, ['schedule', 'agentConnected', 'schedule'], 'the held run comes at nextAttempt');
  scheduler.holdUntil('t', 'j', undefined);
  await timers.advance(60_000);
  assert.equal(runs.length, 4, 'back to every interval');
  await scheduler.stop();
});
