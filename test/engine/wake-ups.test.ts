/**
 * Wake-ups (src/engine/wake-ups.ts): the debouncer alone, then a real SyncEngine with its
 * scheduler and SQLite store over an in-memory source: a change signal runs the domain's Active job at once (not at its PT1H schedule),
 * a burst of signals becomes one cycle, a signal during a cycle queues exactly one follow-up,
 * and other domains, tenants and paused jobs are not woken.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WakeUps } from '../../src/engine/wake-ups.ts';
import type { Timers } from '../../src/engine/scheduler.ts';
import { SyncEngine } from '../../src/engine/engine.ts';
import type { SynchronizationJob } from '../../src/directory/types.ts';
import { ReplaySource, openHarness, upsert, user } from './support.ts';

/** Real timers that keep the test's event loop alive (production's are unref'd). */
const TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

function recorder() {
  const calls: string[] = [];
  let resolveNext: (() => void) | undefined;
  const next = () => new Promise<void>((resolve) => (resolveNext = resolve));
  return {
    calls,
    next,
    wakeDomain: async (tenantId: string, domain: string, trigger: string) => {
      calls.push(`${tenantId}/${domain}/${trigger}`);
      resolveNext?.();
    },
  };
}

describe('engine: wake-ups', () => {
  test('a burst of signals for one domain becomes one wake-up, named by the first signal; domains and tenants stay apart', async () => {
    const rec = recorder();
    const wakeUps = new WakeUps({ timers: TIMERS, wakeDomain: rec.wakeDomain, debounceMs: 50 });
    const woken = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (rec.calls.length >= 3) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    wakeUps.wake('T1', 'Corp.Example.com', 'agentConnected');
    for (let i = 0; i < 20; i++) wakeUps.wake('T1', 'corp.example.com', 'notification');
    wakeUps.wake('T1', 'other.example.com', 'notification');
    wakeUps.wake('T2', 'corp.example.com', 'notification');
    await woken;
    assert.deepEqual(rec.calls.sort(), ['T1/corp.example.com/agentConnected', 'T1/other.example.com/notification', 'T2/corp.example.com/notification']);
    // After the debounce, the next signal is a new wake-up.
    const again = rec.next();
    wakeUps.wake('T1', 'corp.example.com', 'notification');
    await again;
    assert.equal(rec.calls.at(-1), 'T1/corp.example.com/notification');
    wakeUps.stop();
  });

  test('stop() cancels pending wake-ups and ignores later signals', async () => {
    const rec = recorder();
    const wakeUps = new WakeUps({ timers: TIMERS, wakeDomain: rec.wakeDomain, debounceMs: 20 });
    wakeUps.wake('T1', 'corp.example.com', 'notification');
    wakeUps.stop();
    wakeUps.wake('T1', 'corp.example.com', 'notification');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(rec.calls, []);
  });
});

describe('engine: SyncEngine.wake', () => {
  function jobRecord(tenantId: string, id: string, state: 'Active' | 'Paused', domain: string): SynchronizationJob {
    return {
      tenantId, id, templateId: 'AD2AADProvisioning', servicePrincipalId: 'sp',
      schedule: { expiration: null, interval: 'PT1H', state }, status: { code: state },
      synchronizationJobSettings: [{ name: 'DomainFQDN', value: domain }], schema: null, createdDateTime: new Date().toISOString(),
    };
  }

  test("a change signal runs the domain's Active job now, not at its PT1H schedule; paused jobs and other domains stay; one follow-up during a cycle", async () => {
    const h = await openHarness({ containers: [] });
    try {
      const active = jobRecord(h.tenantId, h.job.jobId, 'Active', 'corp.canopy.test');
      const paused = jobRecord(h.tenantId, `${h.job.jobId}-paused`, 'Paused', 'corp.canopy.test');
      const other = jobRecord(h.tenantId, `${h.job.jobId}-other`, 'Active', 'other.canopy.test');
      await h.store.transaction(async (tx) => {
        for (const job of [active, paused, other]) await tx.directory.putSynchronizationJob(job);
      });
      const source = new ReplaySource().push([upsert(user(71))]);
      const engine = new SyncEngine({ store: h.store, source, timers: TIMERS });
      const started: { key: string; trigger: string }[] = [];
      engine.on('cycleStarted', (event: { key: string; trigger: string }) => started.push(event));
      await engine.load();
      engine.start();
      const finished = () => new Promise((resolve) => engine.once('cycleFinished', resolve));

      let done = finished();
      engine.wake(h.tenantId, 'CORP.canopy.test', 'notification');
      await done;
      assert.deepEqual(started.map((s) => [s.key.split('/')[1], s.trigger]), [[h.job.jobId, 'notification']]);
      assert.equal(await h.store.directory.countUsers(h.tenantId), 1);

      // Signals during a cycle: exactly one follow-up, which reads what changed meanwhile.
      source.push([upsert(user(72))]);
      const two = new Promise<void>((resolve) => {
        let count = 0;
        engine.on('cycleFinished', () => (++count === 2 ? resolve() : undefined));
      });
      engine.wake(h.tenantId, 'corp.canopy.test', 'notification');
      await new Promise((resolve) => engine.once('cycleStarted', resolve));
      source.push([upsert(user(73))]);
      for (let i = 0; i < 5; i++) engine.wake(h.tenantId, 'corp.canopy.test', 'notification');
      await two;
      done = finished();
      await new Promise((resolve) => setTimeout(resolve, 300)); // no third cycle would start (debounce is 100 ms)
      assert.equal(started.length, 3, started.map((s) => s.trigger).join());
      assert.ok(started.every((s) => s.key.endsWith(h.job.jobId)), 'only the Active job of the domain ran');
      assert.equal(await h.store.directory.countUsers(h.tenantId), 3);
      void done;
      await engine.stop();
    } finally {
      await h.close();
    }
  });
});
