/**
 * The engine's ExclusiveRunner over Postgres job leases: take the job's lease (or skip the
 * cycle: another node runs it), renew it every third of its time to live while the cycle
 * runs, abort the cycle when a renewal finds it lost, run every page transaction under it
 * (the store's fencing check), and let it go when the cycle ends. A node that dies keeps
 * nothing: its lease expires after `ttlMs` and the next node's timer takes it, resuming
 * from the committed watermark.
 */
import { CanopyError } from '../../core/errors.ts';
import type { ExclusiveRunner } from '../engine.ts';
import { runUnderLease, type JobLeases } from './job-leases.ts';

/** How long a lease lives without renewal: the bound on a dead node's hold on a job. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

export function createLeaseRunner(leases: JobLeases, holder: string, ttlMs = DEFAULT_LEASE_TTL_MS): ExclusiveRunner {
  return {
    async run(tenantId, jobId, work) {
      const lease = await leases.acquire(tenantId, jobId, holder, ttlMs);
      if (!lease) return undefined;
      const lost = new AbortController();
      const renewal = setInterval(() => {
        leases.renew(lease, ttlMs).then(
          (kept) => { if (!kept) lost.abort(new CanopyError('ERR_ENGINE_LEASE_LOST', `the lease of job ${tenantId}/${jobId} passed to another node`)); },
          () => undefined, // a failed renewal retries at the next tick; the fence guards the writes meanwhile
        );
      }, Math.max(100, Math.floor(ttlMs / 3)));
      try {
        return { value: await runUnderLease(lease, () => work(lost.signal)) };
      } finally {
        clearInterval(renewal);
        await leases.release(lease).catch(() => undefined);
      }
    },
  };
}
