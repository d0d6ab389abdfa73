/**
 * GET /canopy/v1/status: what `canopy status` shows, for the admin's tenant — the agents
 * (the relay's view), and each synchronization job with its domain, schedule, the cycle
 * running now (the scheduler's runtime, which Graph's job resource has no place for) and
 * the last one (Graph's status.lastExecution, as the engine recorded it).
 * Authenticated like the relay's admin verbs: the service's own token with an admin role.
 */
import type { FastifyInstance } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import type { SynchronizationJob } from '../directory/types.ts';
import { cycleJobOf, type SyncEngine } from '../engine/engine.ts';
import type { Relay } from '../relay/relay.ts';
import type { AdminAuthenticator } from '../relay/routes.ts';
import { STATUS_PATH, type CurrentCycle, type JobStatusView, type ServiceStatus } from './status-view.ts';

export { STATUS_PATH, type CurrentCycle, type JobStatusView, type ServiceStatus };

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

function domainOf(job: SynchronizationJob): string | null {
  try {
    return cycleJobOf(job).domain;
  } catch {
    return null; // no Domain secret yet
  }
}

export async function jobStatusView(job: SynchronizationJob, engine: SyncEngine): Promise<JobStatusView> {
  const runtime = engine.runtime(job.tenantId, job.id);
  const current: CurrentCycle | null = runtime
    ? {
        running: runtime.running,
        startedAt: runtime.running ? iso(runtime.lastStartedAt) : null,
        nextRunAt: iso(runtime.nextRunAt),
        lastFinishedAt: iso(runtime.lastFinishedAt),
        lastError: runtime.lastError === undefined ? null : runtime.lastError instanceof Error ? runtime.lastError.message : String(runtime.lastError),
      }
    : null;
  return {
    id: job.id,
    templateId: job.templateId,
    domain: domainOf(job),
    state: job.schedule.state,
    interval: job.schedule.interval,
    current,
    code: typeof job.status.code === 'string' ? job.status.code : null,
    quarantine: job.status.quarantine ?? null,
    progress: job.status.progress ?? null,
    lastExecution: job.status.lastExecution ?? null,
    lastSuccessfulExecution: job.status.lastSuccessfulExecution ?? null,
    lastSuccessfulExecutionWithExports: job.status.lastSuccessfulExecutionWithExports ?? null,
    countSuccessiveCompleteFailures: Number(job.status.countSuccessiveCompleteFailures ?? 0),
    synchronizedEntryCountByType: job.status.synchronizedEntryCountByType ?? null,
    stagedDeletes: await engine.stagedDeletes(job.tenantId, job.id),
  };
}

export function adminStatusRoutes(options: { store: DirectoryStore; relay: Relay; engine: SyncEngine; authenticate: AdminAuthenticator }) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.get(STATUS_PATH, async (request, reply) => {
      const principal = await options.authenticate(request);
      if (!principal) {
        return reply.code(401).send({ error: { code: 'InvalidAuthenticationToken', message: 'an admin access token is required (Authorization: Bearer …)' } });
      }
      const { tenantId } = principal;
      const jobs = await options.store.listSynchronizationJobs(tenantId);
      const body: ServiceStatus = {
        tenantId,
        agents: await options.relay.agentStatus(tenantId),
        jobs: await Promise.all(jobs.map((job) => jobStatusView(job, options.engine))),
      };
      return body;
    });
  };
}
