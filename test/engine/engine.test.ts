import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SynchronizationJob } from '../../src/directory/types.ts';
import { SyncEngine, cycleJobOf } from '../../src/engine/engine.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import type { Relay } from '../../src/relay/relay.ts';
import type { ScimSend } from '../../src/engine/scim-change-source.ts';
import { ReplaySource, openHarness, upsert, user } from './support.ts';

function jobRecord(tenantId: string, id: string, state: 'Active' | 'Paused', settings = [{ name: 'DomainFQDN', value: 'corp.canopy.test' }]): SynchronizationJob {
  return {
    tenantId, id, templateId: 'AD2AADProvisioning', servicePrincipalId: 'sp',
    schedule: { expiration: null, interval: 'PT2M', state }, status: { code: state },
    synchronizationJobSettings: settings, schema: null, createdDateTime: new Date().toISOString(),
  };
}

test('a job record becomes a cycle job: domain from its settings, the default schema when it has none', () => {
  const job = cycleJobOf(jobRecord('t', 'j', 'Active', [{ name: 'Domain', value: '{"DomainFQDN":"a.example","ForestFQDN":"a.example"}' }]));
  assert.equal(job.domain, 'a.example');
  assert.equal(job.schema.synchronizationRules[0]!.id, 'AD2AADProvisioning');
  assert.throws(() => cycleJobOf(jobRecord('t', 'j', 'Active', [])), (e: unknown) => isCanopyError(e, 'ERR_CONFIG_INVALID'));
});

test('the engine loads jobs from the store, runs one on demand, and records its status', async () => {
  const h = await openHarness({ containers: [] });
  try {
    const record = jobRecord(h.tenantId, h.job.jobId, 'Paused');
    await h.store.transaction((tx) => tx.directory.putSynchronizationJob(record));
    const source = new ReplaySource().push([upsert(user(61)), upsert(user(62))]);
    const engine = new SyncEngine({ store: h.store, source });
    const results: unknown[] = [];
    engine.on('cycleResult', (r) => results.push(r));
    await engine.load();
    engine.start();
    assert.equal(engine.runtime(h.tenantId, h.job.jobId)?.nextRunAt, undefined, 'a paused job is not scheduled');
    await engine.runNow(h.tenantId, h.job.jobId);
    assert.equal(results.length, 1);
    assert.equal(await h.store.directory.countUsers(h.tenantId), 2);
    const status = (await h.store.directory.getSynchronizationJob(h.tenantId, h.job.jobId))!.status as Record<string, unknown>;
    assert.equal((status.lastExecution as { state: string }).state, 'Succeeded');
    assert.equal(status.code, 'Paused', 'the engine never touches status.code');
    // The API starts the job and tells the engine: a cycle runs at once, then on schedule.
    const finished = new Promise((resolve) => engine.once('cycleFinished', resolve));
    await h.store.transaction((tx) => tx.directory.putSynchronizationJob({ ...record, schedule: { ...record.schedule, state: 'Active' } }));
    source.push([upsert(user(63))]);
    await engine.onSynchronizationEvent({ type: 'jobStarted', tenantId: h.tenantId, jobId: h.job.jobId });
    await finished;
    assert.equal(await h.store.directory.countUsers(h.tenantId), 3);
    assert.ok(engine.runtime(h.tenantId, h.job.jobId)?.nextRunAt !== undefined, 'started: scheduled');
    await engine.onSynchronizationEvent({ type: 'jobDeleted', tenantId: h.tenantId, jobId: h.job.jobId });
    assert.equal(engine.runtime(h.tenantId, h.job.jobId), undefined);
    await engine.stop();
  } finally {
    await h.close();
  }
});

test('stop ends a running cycle at its next page boundary and waits for it: committed pages stand', async () => {
  const h = await openHarness({ containers: [] });
  try {
    await h.store.transaction((tx) => tx.directory.putSynchronizationJob(jobRecord(h.tenantId, h.job.jobId, 'Paused')));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const slow = {
      async *readDelta() {
        yield { changes: [upsert(user(91))], watermark: 'p1', more: true };
        await gate; // the agent is slow to answer the second page
        yield { changes: [upsert(user(92))], watermark: 'p2', more: false };
      },
    };
    const engine = new SyncEngine({ store: h.store, source: slow });
    await engine.load();
    const failed = new Promise<{ error: unknown }>((resolve) => engine.once('cycleFailed', resolve));
    const run = engine.runNow(h.tenantId, h.job.jobId);
    while ((await h.store.directory.getWatermark(h.tenantId, h.job.jobId)) !== 'p1') await new Promise((r) => setTimeout(r, 10));
    const stopped = engine.stop();
    release();
    await stopped;
    await run;
    assert.match(String((await failed).error), /stopping/);
    assert.equal(await h.store.directory.getWatermark(h.tenantId, h.job.jobId), 'p1');
    assert.equal(await h.store.directory.countUsers(h.tenantId), 1, 'the page read after stop was not applied');
    const status = (await h.store.directory.getSynchronizationJob(h.tenantId, h.job.jobId))!.status as Record<string, unknown>;
    assert.equal(status.lastExecution, undefined, 'a shutdown is not recorded as a failed cycle');
  } finally {
    await h.close();
  }
});

test('the relay plugs in as the SCIM change source\'s send, unchanged (type check)', () => {
  // A compile-time check that `relay.request` keeps the shape the engine sends through.
  const wire = (relay: Relay): ScimSend => (tenantId, request) => relay.request(tenantId, request);
  assert.equal(typeof wire, 'function');
});
