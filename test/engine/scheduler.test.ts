import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { Scheduler, type ScheduledJob, type Timers, type Trigger } from '../../src/engine/scheduler.ts';
import { isCanopyError } from '../../src/core/errors.ts';

/** A virtual clock: advance() fires due timers in time order, letting promises settle between. */
class VirtualTimers implements Timers {
  #now = 0;
  #next = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

/** A cycle that lasts until the test releases it, recording overlap. */
function controlledCycles() {
  const runs: { job: string; trigger: Trigger }[] = [];
  const releases: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  const runCycle = async (job: ScheduledJob, trigger: Trigger) => {
    runs.push({ job: job.jobId, trigger });
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>((resolve) => releases.push(resolve));
    active--;
  };
  return { runs, releases, runCycle, maxActive: () => maxActive, releaseAll: () => releases.splice(0).forEach((r) => r()) };
}

const job = (jobId: string, interval = 'PT2M', state: ScheduledJob['state'] = 'Active'): ScheduledJob => ({ tenantId: 't', jobId, interval, state });

test('each job runs every interval after its previous cycle, first run jittered within the interval', async () => {
  const timers = new VirtualTimers();
  const cycles = controlledCycles();
  const scheduler = new Scheduler({ runCycle: cycles.runCycle, timers, jitterRatio: 0, random: () => 0.5 });
  scheduler.upsert(job('a', 'PT2M'));
  scheduler.upsert(job('b', 'PT30S'));
  scheduler.start();
  assert.equal(scheduler.runtime('t', 'a')?.nextRunAt, 60_000, 'first run after half of PT2M (random 0.5)');
  await timers.advance(15_000);
  assert.deepEqual(cycles.runs.map((r) => r.job), ['b']);
  cycles.releaseAll();
  await timers.advance(30_000); // b again at 45 s
  assert.deepEqual(cycles.runs.map((r) => r.job), ['b', 'b']);
  cycles.releaseAll();
  await timers.advance(15_000); // a at 60 s, b at 75 s
  assert.deepEqual(cycles.runs.map((r) => r.job), ['b', 'b', 'a']);
  cycles.releaseAll();
  await scheduler.stop();
});

test('a cycle longer than the interval is never overlapped by its own job', async () => {
  const timers = new VirtualTimers();
  const cycles = controlledCycles();
  const scheduler = new Scheduler({ runCycle: cycles.runCycle, timers, random: () => 0 });
  scheduler.upsert(job('a', 'PT30S'));
  scheduler.start();
  await timers.advance(1);
  assert.equal(cycles.runs.length, 1);
  await timers.advance(10 * 60_000); // ten minutes with the first cycle still running
  assert.equal(cycles.runs.length, 1, 'no second cycle while the first runs');
  assert.equal(scheduler.runtime('t', 'a')?.running, true);
  cycles.releaseAll();
  await timers.advance(1);
  assert.equal(scheduler.runtime('t', 'a')?.running, false);
  await timers.advance(30_000 * 1.1);
  assert.equal(cycles.runs.length, 2, 'the next one comes an interval after the end');
  assert.equal(cycles.maxActive(), 1);
  cycles.releaseAll();
  await scheduler.stop();
});

test('trigger now runs at once; during a cycle several triggers queue exactly one follow-up', async () => {
  const timers = new VirtualTimers();
  const cycles = controlledCycles();
  const scheduler = new Scheduler({ runCycle: cycles.runCycle, timers, random: () => 0.99 });
  scheduler.upsert(job('a'));
  scheduler.start();
  const first = scheduler.triggerNow('t', 'a', 'onDemand');
  await settle();
  assert.deepEqual(cycles.runs, [{ job: 'a', trigger: 'onDemand' }]);
  const second = scheduler.triggerNow('t', 'a', 'notification');
  const third = scheduler.triggerNow('t', 'a', 'onDemand');
  cycles.releaseAll();
  await first;
  await settle();
  assert.deepEqual(cycles.runs.map((r) => r.trigger), ['onDemand', 'notification']);
  assert.equal(cycles.maxActive(), 1);
  cycles.releaseAll();
  await Promise.all([second, third]);
  assert.equal(cycles.runs.length, 2);
  await scheduler.stop();
});

test('pause stops scheduled runs (trigger still works), resume rearms; a failing cycle is reported and rescheduled', async () => {
  const timers = new VirtualTimers();
  let calls = 0;
  const failures: unknown[] = [];
  const scheduler = new Scheduler({
    timers,
    random: () => 0,
    jitterRatio: 0,
    runCycle: async () => {
      calls++;
      throw new Error('relay down');
    },
  });
  scheduler.on('cycleFailed', (event: { error: unknown }) => failures.push(event.error));
  scheduler.upsert(job('a', 'PT1M'));
  scheduler.start();
  await timers.advance(1);
  assert.equal(calls, 1);
  assert.equal(failures.length, 1);
  assert.match(String(scheduler.runtime('t', 'a')?.lastError), /relay down/);
  await timers.advance(60_000);
  assert.equal(calls, 2, 'rescheduled after a failure');
  scheduler.pause('t', 'a');
  await timers.advance(10 * 60_000);
  assert.equal(calls, 2);
  await scheduler.triggerNow('t', 'a');
  assert.equal(calls, 3);
  scheduler.resume('t', 'a');
  await timers.advance(60_000);
  assert.equal(calls, 4);
  await scheduler.stop();
});

test('a bad interval is refused with a coded error', () => {
  const scheduler = new Scheduler({ runCycle: async () => {} });
  assert.throws(() => scheduler.upsert(job('a', 'P1M')), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_DURATION_INVALID'));
  assert.throws(() => scheduler.upsert(job('a', 'PT0S')), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_DURATION_INVALID'));
});

test('real timers: stop waits for the running cycle, and nothing starts after it', async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  let finished = false;
  const scheduler = new Scheduler({
    random: () => 0,
    runCycle: async () => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      active--;
      finished = true;
    },
  });
  scheduler.upsert(job('a', 'PT1S'));
  scheduler.start();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(runs, 1);
  await scheduler.stop();
  assert.equal(finished, true, 'stop awaited the cycle');
  await new Promise((resolve) => setTimeout(resolve, 1200));
  assert.equal(runs, 1, 'no cycle after stop');
  assert.equal(maxActive, 1);
  await assert.rejects(scheduler.triggerNow('t', 'a'), (e: unknown) => isCanopyError(e, 'ERR_ENGINE_SCHEDULER_STOPPED'));
});
