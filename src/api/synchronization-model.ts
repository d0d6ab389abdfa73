/**
 * What the synchronization API does to a job record, apart from HTTP: new jobs from a
 * template, start, pause, and restart with a resetScope (Graph "synchronizationJob: restart",
 * entra-docs cloud sync). The engine writes the execution fields of `status`; the API owns
 * `schedule.state` and `status.code`.
 */
import { randomUUID } from 'node:crypto';
import type { DirectoryTransaction } from '../directory/store.ts';
import type { JsonValue, SynchronizationJob } from '../directory/types.ts';
import { CLOUD_SYNC_TEMPLATE_APP_ID } from './auth/tenant-setup.ts';
import { requestBadRequest } from './errors.ts';

/** Cloud sync's job templates (Graph synchronizationTemplate). */
export const SYNCHRONIZATION_TEMPLATES = Object.freeze([
  { id: 'AD2AADProvisioning', factoryTag: 'AD2AADProvisioning', applicationId: CLOUD_SYNC_TEMPLATE_APP_ID, default: true, description: 'Provision users and groups from Active Directory', discoverable: true, metadata: [] },
  { id: 'AD2AADPasswordHash', factoryTag: 'AD2AADPasswordHash', applicationId: CLOUD_SYNC_TEMPLATE_APP_ID, default: false, description: 'Synchronize password hashes from Active Directory', discoverable: true, metadata: [] },
]);

/** Entra's "never" in status timestamps. */
const NEVER = '0001-01-01T00:00:00Z';
export const DEFAULT_DELETE_THRESHOLD = '500';

export function newJob(tenantId: string, servicePrincipalId: string, templateId: string, now: Date): SynchronizationJob {
  return {
    tenantId,
    // `AD2AADProvisioning.fd1c9b9e8077402c8bc03a7186c8f976`, as Entra names jobs.
    id: `${templateId}.${randomUUID().replaceAll('-', '')}`,
    templateId,
    servicePrincipalId,
    schedule: { expiration: null, interval: 'PT2M', state: 'Disabled' },
    status: {
      code: 'NotConfigured',
      countSuccessiveCompleteFailures: 0,
      escrowsPruned: false,
      lastExecution: null,
      lastSuccessfulExecution: null,
      lastSuccessfulExecutionWithExports: null,
      progress: [],
      quarantine: null,
      steadyStateFirstAchievedTime: NEVER,
      steadyStateLastAchievedTime: NEVER,
      synchronizedEntryCountByType: [],
      troubleshootingUrl: null,
    },
    synchronizationJobSettings: [{ name: 'QuarantineTooManyDeletesThreshold', value: DEFAULT_DELETE_THRESHOLD }],
    schema: null,
    createdDateTime: now.toISOString(),
  };
}

export function startedJob(job: SynchronizationJob): SynchronizationJob {
  // Starting a quarantined job clears its quarantine (Graph "synchronizationJob: start").
  return { ...job, schedule: { ...job.schedule, state: 'Active' }, status: { ...job.status, code: 'Active', quarantine: null } };
}

export function pausedJob(job: SynchronizationJob): SynchronizationJob {
  return { ...job, schedule: { ...job.schedule, state: 'Paused' }, status: { ...job.status, code: 'Paused' } };
}

export const RESET_SCOPES = ['None', 'Escrows', 'Watermark', 'QuarantineState', 'Full', 'ForceDeletes'] as const;
export type ResetScope = (typeof RESET_SCOPES)[number];

/** A comma list; empty means QuarantineState, Watermark and Escrows (entra-docs). */
export function parseResetScope(text: unknown): readonly ResetScope[] {
  if (text === undefined || text === null || text === '') return ['QuarantineState', 'Watermark', 'Escrows'];
  if (typeof text !== 'string') throw requestBadRequest('resetScope must be a comma-separated string.');
  return text.split(',').map((part) => {
    const scope = RESET_SCOPES.find((s) => s.toLowerCase() === part.trim().toLowerCase());
    if (!scope) throw requestBadRequest(`Invalid value '${part.trim()}' for resetScope. Valid values: ${RESET_SCOPES.join(', ')}.`);
    return scope;
  });
}

/** Applies a restart inside the caller's transaction; ForceDeletes is for the engine to honour. */
export async function restartJob(tx: DirectoryTransaction, job: SynchronizationJob, scopes: readonly ResetScope[]): Promise<SynchronizationJob> {
  const all = scopes.includes('Full');
  if (all || scopes.includes('Watermark')) await tx.setWatermark(job.tenantId, job.id, null);
  if (all || scopes.includes('Escrows')) await tx.removeEscrows(job.tenantId, job.id, 'all');
  const status: Record<string, JsonValue> = { ...job.status };
  if (all || scopes.includes('QuarantineState')) status.quarantine = null;
  const restarted = startedJob({ ...job, status });
  await tx.putSynchronizationJob(restarted);
  return restarted;
}

/** The Domain secret (`{"domain":"contoso.com"}`) shows in the jobs' settings as Entra's do. */
/**
 * QuarantineTooManyDeletesThreshold shows the delete threshold the SyncNotificationSettings
 * secret sets (DeleteThresholdValue), as Entra's job settings show the configured one; jobs
 * without the setting (none is made without it) are left as they are.
 */
export function withDeleteThresholdSetting(job: SynchronizationJob, count: number): SynchronizationJob {
  if (!job.synchronizationJobSettings.some((s) => s.name === 'QuarantineTooManyDeletesThreshold')) return job;
  return {
    ...job,
    synchronizationJobSettings: job.synchronizationJobSettings.map((s) => (s.name === 'QuarantineTooManyDeletesThreshold' ? { name: s.name, value: String(count) } : s)),
  };
}

export function withDomainSettings(job: SynchronizationJob, domain: string): SynchronizationJob {
  const names = new Set(['Domain', 'DomainFQDN', 'ForestFQDN']);
  const kept = job.synchronizationJobSettings.filter((s) => !names.has(s.name));
  return {
    ...job,
    synchronizationJobSettings: [
      ...kept,
      { name: 'Domain', value: JSON.stringify({ DomainFQDN: domain, ForestFQDN: domain }) },
      { name: 'DomainFQDN', value: domain },
      { name: 'ForestFQDN', value: domain },
    ],
  };
}
