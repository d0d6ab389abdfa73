/**
 * When a job goes to quarantine besides too many deletes, and how its cycles back off
 * (Entra: "when most or all calls fail … cycles back off to once a day"). Decided after each
 * cycle from its execution (job-status.ts records it):
 *
 * - EncounteredQuarantineException: `afterFailures` cycles in a row failed entirely (the
 *   agent unreachable, AD refusing the bind, the store failing).
 * - EncounteredBaseEscrowThreshold: a cycle escrowed at least `baseEscrows` objects and
 *   exported none (every write failed).
 * - EncounteredEscrowProportionThreshold: a cycle escrowed at least `baseEscrows` objects
 *   and at least `escrowProportion` of the objects in scope it processed.
 * - EncounteredTotalEscrowThreshold: the job holds at least `totalEscrows` escrows.
 *
 * While quarantined for one of these, scheduled cycles wait until `nextAttempt`: the job's
 * interval doubled for each quarantined cycle in the series, up to 24 hours. AD change
 * signals, an agent connecting and "sync now" still start a cycle at once. A cycle that
 * meets none of the conditions lifts the quarantine; so do start and restart.
 */
import { parseIsoDuration } from './iso-duration.ts';
import type { SyncNotificationSettings } from './delete-threshold.ts';
import type { QuarantineReason, QuarantineRequest, SynchronizationTaskExecution } from './job-status.ts';

export interface QuarantinePolicy {
  readonly afterFailures: number;
  readonly baseEscrows: number;
  readonly escrowProportion: number;
  readonly totalEscrows: number;
}

export const DEFAULT_QUARANTINE_POLICY: QuarantinePolicy = Object.freeze({
  afterFailures: 3,
  baseEscrows: 10,
  escrowProportion: 0.5,
  totalEscrows: 1000,
});

/** Back-off ceiling: once a day, as Entra. */
export const MAX_BACKOFF_MS = 24 * 60 * 60 * 1000;

/** The reasons a successful cycle lifts (TooManyDeletes waits for the admin). */
export const RELEASED_BY_A_GOOD_CYCLE: readonly QuarantineReason[] = [
  'EncounteredQuarantineException', 'EncounteredBaseEscrowThreshold', 'EncounteredEscrowProportionThreshold', 'EncounteredTotalEscrowThreshold',
];

/** `QuarantineAfterFailures` in SyncNotificationSettings (Canopy's key) sets afterFailures. */
export function quarantinePolicyOf(settings: SyncNotificationSettings & { QuarantineAfterFailures?: number | string }): QuarantinePolicy {
  const after = Number(settings.QuarantineAfterFailures);
  return { ...DEFAULT_QUARANTINE_POLICY, ...(Number.isInteger(after) && after >= 1 ? { afterFailures: after } : {}) };
}

/** The delay before the next scheduled attempt of the `seriesCount`th quarantined cycle. */
export function backoffMs(interval: string, seriesCount: number): number {
  const base = parseIsoDuration(interval);
  return Math.min(MAX_BACKOFF_MS, base * 2 ** Math.max(1, Math.min(seriesCount, 30)));
}

export interface QuarantineInput {
  readonly execution: SynchronizationTaskExecution;
  /** countSuccessiveCompleteFailures including this cycle. */
  readonly failures: number;
  readonly jobEscrows: number;
  /** Objects in scope the cycle processed (countEntitled). */
  readonly entitled: number;
  readonly interval: string;
  /** seriesCount of the quarantine in force, 0 when none. */
  readonly seriesCount: number;
  readonly at: Date;
}

/** What this cycle asks of the job's quarantine (job-status.ts applies it). */
export function decideQuarantine(policy: QuarantinePolicy, input: QuarantineInput): QuarantineRequest {
  const { execution } = input;
  const found = reasonOf(policy, input);
  // A failed cycle never lifts a quarantine; fewer failures than afterFailures impose none.
  if (!found) return execution.state === 'Failed' ? {} : { release: RELEASED_BY_A_GOOD_CYCLE };
  return {
    enter: {
      reason: found.reason,
      at: input.at,
      nextAttempt: new Date(input.at.getTime() + backoffMs(input.interval, input.seriesCount + 1)),
      error: execution.error ? { ...execution.error, message: `${found.why}: ${execution.error.message}` } : { code: found.reason, message: found.why, tenantActionable: true },
    },
  };
}

function reasonOf(policy: QuarantinePolicy, input: QuarantineInput): { reason: QuarantineReason; why: string } | undefined {
  const { execution: e } = input;
  if (e.state === 'Failed') {
    return input.failures >= policy.afterFailures
      ? { reason: 'EncounteredQuarantineException', why: `${input.failures} cycles in a row failed` }
      : undefined;
  }
  if (input.jobEscrows >= policy.totalEscrows) {
    return { reason: 'EncounteredTotalEscrowThreshold', why: `${input.jobEscrows} objects are in escrow (threshold ${policy.totalEscrows})` };
  }
  if (e.countEscrowed >= policy.baseEscrows && e.countExported === 0) {
    return { reason: 'EncounteredBaseEscrowThreshold', why: `the last cycle escrowed ${e.countEscrowed} objects and exported none` };
  }
  if (e.countEscrowed >= policy.baseEscrows && e.countEscrowed >= policy.escrowProportion * input.entitled) {
    return { reason: 'EncounteredEscrowProportionThreshold', why: `the last cycle escrowed ${e.countEscrowed} of ${input.entitled} objects in scope` };
  }
  return undefined;
}
