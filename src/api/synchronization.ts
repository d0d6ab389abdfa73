/**
 * /v1.0/servicePrincipals/{id}/synchronization: templates, jobs (create, get, list, delete,
 * start, pause, restart), job schema, and secrets, enough to enable a domain the way Entra's
 * docs do it. Changes are announced through `onSynchronizationEvent` so the composition root
 * can bring the scheduler in line; the store stays the source of truth.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DirectoryReader, DirectoryStore, DirectoryTransaction } from '../directory/store.ts';
import { filterOperatorSchemas } from '../engine/scope-filter.ts';
import type { JsonValue, ServicePrincipal, SynchronizationJob } from '../directory/types.ts';
import { templateSchema } from '../engine/schema/password-hash-schema.ts';
import type { SynchronizationSchema } from '../engine/schema/synchronization-schema.ts';
import { checkSchema, functionSchemas, parseExpressionResponse } from './schema-expressions.ts';
import { parseSchedulePatch } from './synchronization-patch.ts';
import { deleteThresholdValueOfSecrets, domainOfSecrets, parseSecrets, redactSecrets } from './synchronization-secrets.ts';
import { READ_DIRECTORY, WRITE_DIRECTORY, requireRole } from './authentication.ts';
import { GraphError, notFound, requestBadRequest, tooManyRequests } from './errors.ts';
import type { DiscoveredDirectory } from '../engine/schema/discover.ts';
import { ON_DEMAND_LIMIT, onDemandError, onDemandResponse, parseOnDemandBody, type OnDemandRunner } from './provision-on-demand.ts';
import { RateWindow } from './rate-window.ts';
import { contextUrl } from './paging.ts';
import {
  SYNCHRONIZATION_TEMPLATES, newJob, parseResetScope, pausedJob, restartJob, startedJob, withDeleteThresholdSetting, withDomainSettings, type ResetScope,
} from './synchronization-model.ts';

export type SynchronizationEvent =
  | { readonly type: 'jobCreated' | 'jobUpdated' | 'jobStarted' | 'jobPaused' | 'jobDeleted' | 'schemaChanged'; readonly tenantId: string; readonly jobId: string }
  | { readonly type: 'jobRestarted'; readonly tenantId: string; readonly jobId: string; readonly resetScope: readonly ResetScope[] }
  | { readonly type: 'secretsChanged'; readonly tenantId: string; readonly servicePrincipalId: string };

export interface SynchronizationRoutesOptions {
  readonly store: DirectoryStore;
  readonly onSynchronizationEvent?: (event: SynchronizationEvent) => void | Promise<void>;
  /** The engine's provision on demand; absent (an API without an engine): 503. */
  readonly provisionOnDemand?: OnDemandRunner;
  /** The engine's schema discovery; absent (an API without an engine): 503. */
  readonly discoverDirectory?: DiscoverRunner;
}

/** Reads one directory of a job's schema from its source now (SyncEngine.discoverDirectory). */
export type DiscoverRunner = (tenantId: string, jobId: string, directoryId: string) => Promise<DiscoveredDirectory>;

const READ = ['Synchronization.Read.All', 'Synchronization.ReadWrite.All', ...READ_DIRECTORY];
const WRITE = ['Synchronization.ReadWrite.All', ...WRITE_DIRECTORY];
const BASE = '/servicePrincipals/:spId/synchronization';

type SpParams = { Params: { spId: string } };
type JobParams = { Params: { spId: string; jobId: string } };

/** Graph's synchronizationJob shape (tenant and owner are ours, not Graph's). */
function jobBody(job: SynchronizationJob): Record<string, unknown> {
  return { id: job.id, templateId: job.templateId, schedule: job.schedule, status: job.status, synchronizationJobSettings: job.synchronizationJobSettings };
}

export async function synchronizationRoutes(app: FastifyInstance, options: SynchronizationRoutesOptions): Promise<void> {
  const { store } = options;
  const emit = async (event: SynchronizationEvent) => options.onSynchronizationEvent?.(event);

  async function servicePrincipal(request: FastifyRequest<SpParams>, roles: readonly string[]): Promise<ServicePrincipal> {
    const { tenantId } = requireRole(request, roles);
    const sp = await store.getServicePrincipal(tenantId, request.params.spId);
    if (!sp) throw notFound(request.params.spId);
    return sp;
  }

  async function jobOf(request: FastifyRequest<JobParams>, roles: readonly string[]): Promise<SynchronizationJob> {
    const sp = await servicePrincipal(request, roles);
    const job = await store.getSynchronizationJob(sp.tenantId, request.params.jobId);
    if (!job || job.servicePrincipalId !== sp.id) throw notFound(request.params.jobId);
    return job;
  }

  app.get<SpParams>(`${BASE}/templates`, async (request) => {
    await servicePrincipal(request, READ);
    return { '@odata.context': contextUrl(request, `servicePrincipals('${request.params.spId}')/synchronization/templates`), value: SYNCHRONIZATION_TEMPLATES };
  });

  // The walkthrough lists jobs as `…/jobs/` (trailing slash), which Graph answers as `…/jobs`.
  for (const path of [`${BASE}/jobs`, `${BASE}/jobs/`]) {
    app.get<SpParams>(path, async (request) => {
      const sp = await servicePrincipal(request, READ);
      const jobs = await store.listSynchronizationJobs(sp.tenantId, sp.id);
      return { '@odata.context': contextUrl(request, `servicePrincipals('${sp.id}')/synchronization/jobs`), value: jobs.map(jobBody) };
    });
  }

  app.post<SpParams>(`${BASE}/jobs`, async (request, reply) => {
    const sp = await servicePrincipal(request, WRITE);
    const templateId = (request.body as { templateId?: unknown } | undefined)?.templateId;
    if (!SYNCHRONIZATION_TEMPLATES.some((t) => t.id === templateId)) {
      throw requestBadRequest(`The template '${String(templateId)}' does not exist; use one of ${SYNCHRONIZATION_TEMPLATES.map((t) => t.id).join(', ')}.`);
    }
    const secrets = await store.getSynchronizationSecrets(sp.tenantId, sp.id);
    const domain = domainOfSecrets(secrets);
    const threshold = deleteThresholdValueOfSecrets(secrets);
    let job = newJob(sp.tenantId, sp.id, templateId as string, new Date());
    if (domain) job = withDomainSettings(job, domain);
    if (threshold !== undefined) job = withDeleteThresholdSetting(job, threshold);
    await store.transaction((tx) => tx.putSynchronizationJob(job));
    await emit({ type: 'jobCreated', tenantId: sp.tenantId, jobId: job.id });
    return reply.code(201).send({ '@odata.context': contextUrl(request, `servicePrincipals('${sp.id}')/synchronization/jobs/$entity`), ...jobBody(job) });
  });

  app.get<JobParams>(`${BASE}/jobs/:jobId`, async (request) => {
    const job = await jobOf(request, READ);
    return { '@odata.context': contextUrl(request, `servicePrincipals('${job.servicePrincipalId}')/synchronization/jobs/$entity`), ...jobBody(job) };
  });

  // PATCH a job (Update-MgServicePrincipalSynchronizationJob): only schedule.interval is the
  // caller's; state and status move through start/pause/restart.
  app.patch<JobParams>(`${BASE}/jobs/:jobId`, async (request, reply) => {
    const job = await jobOf(request, WRITE);
    const patch = parseSchedulePatch(request.body);
    await store.transaction(async (tx) => {
      const current = await tx.getSynchronizationJob(job.tenantId, job.id);
      if (current) await tx.putSynchronizationJob({ ...current, schedule: { ...current.schedule, ...patch } });
    });
    await emit({ type: 'jobUpdated', tenantId: job.tenantId, jobId: job.id });
    return reply.code(204).send();
  });

  app.delete<JobParams>(`${BASE}/jobs/:jobId`, async (request, reply) => {
    const job = await jobOf(request, WRITE);
    await store.transaction((tx) => tx.deleteSynchronizationJob(job.tenantId, job.id));
    await emit({ type: 'jobDeleted', tenantId: job.tenantId, jobId: job.id });
    return reply.code(204).send();
  });

  for (const [action, change, type] of [['start', startedJob, 'jobStarted'], ['pause', pausedJob, 'jobPaused']] as const) {
    app.post<JobParams>(`${BASE}/jobs/:jobId/${action}`, async (request, reply) => {
      const job = await jobOf(request, WRITE);
      // Re-read inside the transaction: the engine may have written status since.
      await store.transaction(async (tx) => {
        const current = await tx.getSynchronizationJob(job.tenantId, job.id);
        if (current) await tx.putSynchronizationJob(change(current));
      });
      await emit({ type, tenantId: job.tenantId, jobId: job.id });
      return reply.code(204).send();
    });
  }

  app.post<JobParams>(`${BASE}/jobs/:jobId/restart`, async (request, reply) => {
    const job = await jobOf(request, WRITE);
    const resetScope = parseResetScope((request.body as { criteria?: { resetScope?: unknown } } | undefined)?.criteria?.resetScope);
    await store.transaction(async (tx) => {
      const current = await tx.getSynchronizationJob(job.tenantId, job.id);
      if (current) await restartJob(tx, current, resetScope);
    });
    await emit({ type: 'jobRestarted', tenantId: job.tenantId, jobId: job.id, resetScope });
    return reply.code(204).send();
  });

  const onDemandWindow = new RateWindow(ON_DEMAND_LIMIT.requests, ON_DEMAND_LIMIT.windowMs);
  app.post<JobParams>(`${BASE}/jobs/:jobId/provisionOnDemand`, async (request) => {
    const job = await jobOf(request, WRITE);
    const decision = onDemandWindow.take(`${job.tenantId}/${job.id}`);
    if (!decision.allowed) {
      throw tooManyRequests(`provisionOnDemand is limited to ${ON_DEMAND_LIMIT.requests} requests per ${ON_DEMAND_LIMIT.windowMs / 1000} seconds per job; retry after ${decision.retryAfterSeconds} s.`, decision.retryAfterSeconds);
    }
    if (job.templateId !== 'AD2AADProvisioning') throw requestBadRequest(`provisionOnDemand runs provisioning jobs (AD2AADProvisioning), not ${job.templateId}.`);
    const subject = parseOnDemandBody(request.body, (job.schema ?? templateSchema(job.templateId)) as unknown as SynchronizationSchema);
    if (!options.provisionOnDemand) throw new GraphError(503, 'ServiceUnavailable', 'This API runs without the sync engine: provision on demand is not available.');
    const result = await options.provisionOnDemand(job.tenantId, job.id, subject).catch((error: unknown) => {
      throw onDemandError(error);
    });
    return { '@odata.context': contextUrl(request, 'microsoft.graph.stringKeyStringValuePair'), ...onDemandResponse(result) };
  });

  app.get<JobParams>(`${BASE}/jobs/:jobId/schema`, async (request) => {
    const job = await jobOf(request, READ);
    const schema = (job.schema ?? templateSchema(job.templateId)) as unknown as Record<string, unknown>;
    return { '@odata.context': contextUrl(request, `servicePrincipals('${job.servicePrincipalId}')/synchronization/jobs('${job.id}')/schema/$entity`), ...schema };
  });

  app.put<JobParams>(`${BASE}/jobs/:jobId/schema`, async (request, reply) => {
    const job = await jobOf(request, WRITE);
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || !Array.isArray(body.synchronizationRules) || !Array.isArray(body.directories)) {
      throw requestBadRequest('A synchronizationSchema needs directories and synchronizationRules.');
    }
    const schema = Object.fromEntries(Object.entries(body).filter(([key]) => !key.startsWith('@odata.'))) as JsonValue;
    // Refused whole before anything is written: the running schema stays as it was.
    checkSchema(schema as unknown as SynchronizationSchema);
    await store.transaction(async (tx) => {
      const current = await tx.getSynchronizationJob(job.tenantId, job.id);
      if (current) await putSchema(tx, current, schema);
    });
    await emit({ type: 'schemaChanged', tenantId: job.tenantId, jobId: job.id });
    return reply.code(204).send();
  });

  app.delete<JobParams>(`${BASE}/jobs/:jobId/schema`, async (request, reply) => {
    const job = await jobOf(request, WRITE);
    await store.transaction(async (tx) => {
      const current = await tx.getSynchronizationJob(job.tenantId, job.id);
      if (current) await putSchema(tx, current, null);
    });
    await emit({ type: 'schemaChanged', tenantId: job.tenantId, jobId: job.id });
    return reply.code(204).send();
  });

  app.get<JobParams>(`${BASE}/jobs/:jobId/schema/directories`, async (request) => {
    const job = await jobOf(request, READ);
    const schema = (job.schema ?? templateSchema(job.templateId)) as unknown as SynchronizationSchema;
    return { '@odata.context': contextUrl(request, `servicePrincipals('${job.servicePrincipalId}')/synchronization/jobs('${job.id}')/schema/directories`), value: schema.directories };
  });

  app.post<{ Params: { spId: string; jobId: string; directoryId: string } }>(`${BASE}/jobs/:jobId/schema/directories/:directoryId/discover`, async (request) => {
    const job = await jobOf(request, WRITE);
    const { directoryId } = request.params;
    const schema = (job.schema ?? templateSchema(job.templateId)) as unknown as SynchronizationSchema;
    if (!schema.directories.some((d) => d.id === directoryId)) {
      throw new GraphError(404, 'Request_ResourceNotFound', `The job's schema has no directory ${directoryId} (${schema.directories.map((d) => d.id).join(', ')}).`);
    }
    if (!options.discoverDirectory) throw new GraphError(503, 'ServiceUnavailable', 'This API runs without the sync engine: schema discovery is not available.');
    const discovered = await options.discoverDirectory(job.tenantId, job.id, directoryId).catch((error: unknown) => {
      throw onDemandError(error);
    });
    return { '@odata.context': contextUrl(request, 'microsoft.graph.directoryDefinition'), ...discovered };
  });

  app.get<JobParams>(`${BASE}/jobs/:jobId/schema/filterOperators`, async (request) => {
    await jobOf(request, READ);
    return { '@odata.context': contextUrl(request, 'Collection(microsoft.graph.filterOperatorSchema)'), value: filterOperatorSchemas() };
  });

  app.get<JobParams>(`${BASE}/jobs/:jobId/schema/functions`, async (request) => {
    await jobOf(request, READ);
    return { '@odata.context': contextUrl(request, 'Collection(microsoft.graph.attributeMappingFunctionSchema)'), value: functionSchemas() };
  });

  app.post<JobParams>(`${BASE}/jobs/:jobId/schema/parseExpression`, async (request) => {
    await jobOf(request, READ);
    return { '@odata.context': contextUrl(request, 'microsoft.graph.parseExpressionResponse'), ...(parseExpressionResponse(request.body as never) as object) };
  });

  // Not in Graph's v1.0 reference, but the walkthrough reads the secrets back this way before
  // a PUT (which replaces by key): keys and non-credential values, credentials redacted.
  app.get<SpParams>(`${BASE}/secrets`, async (request) => {
    const sp = await servicePrincipal(request, READ);
    const secrets = redactSecrets(await store.getSynchronizationSecrets(sp.tenantId, sp.id));
    return { '@odata.context': contextUrl(request, `servicePrincipals('${sp.id}')/synchronization/secrets`), value: secrets };
  });

  app.put<SpParams>(`${BASE}/secrets`, async (request, reply) => {
    const sp = await servicePrincipal(request, WRITE);
    const secrets = parseSecrets(request.body);
    const domain = domainOfSecrets(secrets);
    const threshold = deleteThresholdValueOfSecrets(secrets);
    await store.transaction(async (tx) => {
      if (domain) await refuseDomainOfAnother(tx, sp, domain);
      await tx.putSynchronizationSecrets(sp.tenantId, sp.id, secrets);
      if (!domain && threshold === undefined) return;
      for (const job of await tx.listSynchronizationJobs(sp.tenantId, sp.id)) {
        let updated = domain ? withDomainSettings(job, domain) : job;
        if (threshold !== undefined) updated = withDeleteThresholdSetting(updated, threshold);
        await tx.putSynchronizationJob(updated);
      }
    });
    await emit({ type: 'secretsChanged', tenantId: sp.tenantId, servicePrincipalId: sp.id });
    return reply.code(204).send();
  });
}

/**
 * A schema change takes effect on the next cycle and re-evaluates every object, as Entra's
 * full sync after a saved scoping filter or mapping: the watermark goes, so the next cycle
 * reads AD whole, maps every object again, and deletes (through the delete threshold) what
 * the new scope leaves out. The same schema PUT again changes nothing.
 */
async function putSchema(tx: DirectoryTransaction, job: SynchronizationJob, schema: JsonValue | null): Promise<void> {
  if (JSON.stringify(job.schema ?? null) === JSON.stringify(schema)) return;
  await tx.putSynchronizationJob({ ...job, schema });
  await tx.setWatermark(job.tenantId, job.id, null);
}

/**
 * One AD domain, one configuration: a second service principal naming a domain another one
 * of the tenant already syncs would run two jobs over the same objects.
 */
async function refuseDomainOfAnother(tx: DirectoryReader, sp: ServicePrincipal, domain: string): Promise<void> {
  for (const other of await tx.listServicePrincipals(sp.tenantId)) {
    if (other.id === sp.id) continue;
    const theirs = domainOfSecrets(await tx.getSynchronizationSecrets(sp.tenantId, other.id));
    if (theirs?.toLowerCase() === domain.toLowerCase()) {
      throw requestBadRequest(`The domain ${domain} is already configured by service principal ${other.id} ('${other.displayName}'); one configuration per AD domain.`);
    }
  }
}
