/**
 * A cycle's outcome written into the job's status, in Graph's shapes
 * (resources/synchronizationstatus, synchronizationtaskexecution): lastExecution and its
 * counts, lastSuccessfulExecution(WithExports), countSuccessiveCompleteFailures,
 * synchronizedEntryCountByType ("user to User", "group to Group") and steady-state times.
 * and the quarantine the engine imposes or lifts (resources/synchronizationquarantine:
 * currentBegan, nextAttempt, reason, seriesBegan, seriesCount, error), with `code`
 * Quarantine while it holds. Otherwise `code` (Active, Paused) stays the API's.
 */
import type { JsonValue } from '../directory/types.ts';
import type { CycleCounters } from './cycle-context.ts';
import type { SyncStore } from './ports.ts';
import { decideQuarantine, type QuarantinePolicy } from './quarantine.ts';

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

/** Graph quarantineReason. */
export type QuarantineReason =
  | 'EncounteredBaseEscrowThreshold' | 'EncounteredTotalEscrowThreshold' | 'EncounteredEscrowProportionThreshold'
  | 'EncounteredQuarantineException' | 'Unknown' | 'QuarantinedOnDemand' | 'TooManyDeletes' | 'IngestionInterrupted';

/** Graph synchronizationError. */
export interface SynchronizationError {
  readonly code: string;
  readonly message: string;
  readonly tenantActionable: boolean;
}

/** What a cycle asks of the job's quarantine. */
export interface QuarantineRequest {
  readonly enter?: { readonly reason: QuarantineReason; readonly at: Date; readonly nextAttempt: Date | null; readonly error: SynchronizationError };
  /** Lifts the quarantine if it holds for one of these reasons. */
  readonly release?: readonly QuarantineReason[];
}

/** A transition that happened (one notification each): the job entered or left quarantine. */
export type QuarantineChange =
  | { readonly kind: 'entered'; readonly reason: QuarantineReason; readonly quarantine: { readonly [key: string]: JsonValue } }
  | { readonly kind: 'released'; readonly reason: QuarantineReason };

/** Failures the tenant's admin fixes on their side (Graph's synchronizationError.tenantActionable). */
const TENANT_ACTIONABLE = new Set(['ERR_AD_INVALID_CREDENTIALS', 'ERR_AD_INSUFFICIENT_RIGHTS', 'ERR_AD_TLS_UNTRUSTED']);

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
          tenantActionable: TENANT_ACTIONABLE.has((error as { code?: string }).code ?? ''),
        }
      : null,
    timeBegan: timeBegan.toISOString(),
    timeEnded: timeEnded.toISOString(),
  };
}

/**
 * Writes the execution into the job's status and applies the quarantine request; returns the
 * quarantine transition it made, if any (entering while already quarantined for the same
 * reason only refreshes currentBegan and the error: no new transition).
 */
export async function recordExecution(
  store: SyncStore,
  tenantId: string,
  jobId: string,
  execution: SynchronizationTaskExecution,
  deletes?: QuarantineRequest,
  policy?: QuarantinePolicy,
): Promise<QuarantineChange | undefined> {
  const counts = await store.state.countSynced(tenantId, jobId);
  return store.transaction(async (tx) => {
    const job = await tx.directory.getSynchronizationJob(tenantId, jobId);
    if (!job) return undefined;
    const previous = job.status;
    const status: Record<string, JsonValue> = { ...previous };
    const asJson = execution as unknown as JsonValue;
    status.lastExecution = asJson;
    if (execution.state === 'Failed') {
      status.countSuccessiveCompleteFailures = Number(previous.countSuccessiveCompleteFailures ?? 0) + 1;
    } else {
      // A cycle with entry-level errors is not a complete failure, but Graph's
      // lastSuccessfulExecution is "the last execution of this job, which didn't have any
      // errors" (synchronizationStatus): only a Succeeded cycle. lastSuccessfulExecutionWithExports
      // is "the last execution which exported objects": any cycle that completed and exported.
      status.countSuccessiveCompleteFailures = 0;
      if (execution.state === 'Succeeded') status.lastSuccessfulExecution = asJson;
      if (execution.countExported > 0) status.lastSuccessfulExecutionWithExports = asJson;
      // Steady state: a cycle without errors with nothing left to export (an escrow is work left).
      if (execution.countExported === 0 && execution.state === 'Succeeded') {
        status.steadyStateFirstAchievedTime ??= execution.timeEnded;
        status.steadyStateLastAchievedTime = execution.timeEnded;
      }
      status.synchronizedEntryCountByType = [
        { key: 'user to User', value: counts.user },
        { key: 'group to Group', value: counts.group },
      ];
    }
    let request = deletes;
    const current = previous.quarantine as { reason?: string; seriesCount?: number } | null | undefined;
    // Too many deletes waits for the admin: the failure and escrow rules apply otherwise.
    if (policy && !request?.enter && current?.reason !== 'TooManyDeletes') {
      const decided = decideQuarantine(policy, {
        execution,
        failures: Number(status.countSuccessiveCompleteFailures ?? 0),
        jobEscrows: await tx.directory.countEscrows(tenantId, jobId),
        entitled: execution.countEntitled,
        interval: job.schedule.interval,
        seriesCount: current ? Number(current.seriesCount ?? 0) : 0,
        at: new Date(execution.timeEnded),
      });
      request = { ...decided, release: [...(decided.release ?? []), ...(request?.release ?? [])] };
    }
    status.progress = [];
    const change = applyQuarantine(status, job.schedule.state, request);
    await tx.directory.putSynchronizationJob({ ...job, status });
    return change;
  });
}

function applyQuarantine(status: Record<string, JsonValue>, scheduleState: string, request: QuarantineRequest | undefined): QuarantineChange | undefined {
  const current = status.quarantine as { reason?: QuarantineReason; seriesBegan?: string; seriesCount?: number } | null | undefined;
  if (request?.enter) {
    const { reason, at, nextAttempt, error } = request.enter;
    // A new series (and one notification) when the job was not quarantined already, or when
    // too many deletes (which needs the admin) comes on top of another reason.
    const same = Boolean(current?.reason) && !(reason === 'TooManyDeletes' && current?.reason !== 'TooManyDeletes');
    const quarantine = {
      currentBegan: at.toISOString(),
      nextAttempt: nextAttempt?.toISOString() ?? null,
      reason,
      seriesBegan: current?.seriesBegan ?? at.toISOString(),
      seriesCount: Number(current?.seriesCount ?? 0) + 1,
      error: error as unknown as JsonValue,
    };
    status.quarantine = quarantine;
    status.code = 'Quarantine';
    return same ? undefined : { kind: 'entered', reason, quarantine };
  }
  if (current?.reason && request?.release?.includes(current.reason)) {
    status.quarantine = null;
    status.code = scheduleState === 'Paused' ? 'Paused' : 'Active';
    return { kind: 'released', reason: current.reason };
  }
  return undefined;
}

/** How often a running cycle writes its progress into the job's status (at a page boundary). */
export const PROGRESS_EVERY_MS = 2_000;

/**
 * The running cycle's progress in Graph's shape (resources/synchronizationprogress): objects
 * read and objects written so far; totalUnits is the job's synced objects when the cycle
 * reads everything (an estimate), else 0 (unknown). Cleared when the cycle's execution is
 * recorded. `canopy status` derives the rate and the time left from it.
 */
export async function recordProgress(store: SyncStore, tenantId: string, jobId: string, counters: CycleCounters, estimate: number, at: Date): Promise<void> {
  await store.transaction(async (tx) => {
    const job = await tx.directory.getSynchronizationJob(tenantId, jobId);
    if (!job) return;
    const observed = at.toISOString();
    const progress = [
      { completedUnits: counters.imported, totalUnits: estimate, units: 'objects read', progressObservationDateTime: observed },
      { completedUnits: counters.exported, totalUnits: 0, units: 'objects written', progressObservationDateTime: observed },
    ];
    await tx.directory.putSynchronizationJob({ ...job, status: { ...job.status, progress } });
  });
}
