/**
 * A cycle's outcome written into the job's status, in Graph's shapes
 * (resources/synchronizationstatus, synchronizationtaskexecution): lastExecution and its
 * counts, lastSuccessfulExecution(WithExports), countSuccessiveCompleteFailures,
 * synchronizedEntryCountByType ("user to User", "group to Group") and steady-state times.
 * Only these fields are touched; `code` (Active, Paused, Quarantine) stays the API's.
 */
import type { JsonValue } from '../directory/types.ts';
import type { CycleCounters } from './cycle-context.ts';
import type { SyncStore } from './ports.ts';

export interface SynchronizationTaskExecution {
  readonly activityIdentifier: string;
  readonly countEntitled: number;
  readonly countEntitledForProvisioning: number;
  readonly countEscrowed: number;
  readonly countEscrowedRaw: number;
  readonly countExported: number;
  readonly countExports: number;
  readonly countImported: number;
  readonly countImportedDeltas: number;
  readonly countImportedReferenceDeltas: number;
  readonly state: 'Succeeded' | 'Failed' | 'EntryLevelErrors';
  readonly error: { readonly code: string; readonly message: string; readonly tenantActionable: boolean } | null;
  readonly timeBegan: string;
  readonly timeEnded: string;
}

export function executionOf(cycleId: string, counters: CycleCounters, timeBegan: Date, timeEnded: Date, error?: unknown): SynchronizationTaskExecution {
  const failed = error !== undefined;
  return {
    activityIdentifier: cycleId,
    countEntitled: counters.entitled,
    countEntitledForProvisioning: counters.entitled,
    countEscrowed: counters.escrowed,
    countEscrowedRaw: counters.escrowed,
    countExported: counters.exported,
    countExports: counters.exported,
    countImported: counters.imported,
    countImportedDeltas: counters.importedDeltas,
    countImportedReferenceDeltas: counters.importedReferenceDeltas,
    state: failed ? 'Failed' : counters.escrowed > 0 ? 'EntryLevelErrors' : 'Succeeded',
    error: failed
      ? {
          code: (error as { code?: string }).code ?? 'CycleFailed',
          message: error instanceof Error ? error.message : String(error),
          tenantActionable: false,
        }
      : null,
    timeBegan: timeBegan.toISOString(),
    timeEnded: timeEnded.toISOString(),
  };
}

export async function recordExecution(
  store: SyncStore,
  tenantId: string,
  jobId: string,
  execution: SynchronizationTaskExecution,
): Promise<void> {
  const counts = await store.state.countSynced(tenantId, jobId);
  await store.transaction(async (tx) => {
    const job = await tx.directory.getSynchronizationJob(tenantId, jobId);
    if (!job) return;
    const previous = job.status;
    const status: Record<string, JsonValue> = { ...previous };
    const asJson = execution as unknown as JsonValue;
    status.lastExecution = asJson;
    if (execution.state === 'Failed') {
      status.countSuccessiveCompleteFailures = Number(previous.countSuccessiveCompleteFailures ?? 0) + 1;
    } else {
      status.countSuccessiveCompleteFailures = 0;
      status.lastSuccessfulExecution = asJson;
      if (execution.countExported > 0) status.lastSuccessfulExecutionWithExports = asJson;
      // Steady state: a successful cycle with nothing left to export.
      if (execution.countExported === 0) {
        status.steadyStateFirstAchievedTime ??= execution.timeEnded;
        status.steadyStateLastAchievedTime = execution.timeEnded;
      }
      status.synchronizedEntryCountByType = [
        { key: 'user to User', value: counts.user },
        { key: 'group to Group', value: counts.group },
      ];
    }
    await tx.directory.putSynchronizationJob({ ...job, status });
  });
}
