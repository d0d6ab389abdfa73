/**
 * What GET /canopy/v1/status answers (status-route.ts) and `canopy status` prints: shapes
 * only, so that the command loads none of the service's code.
 */
import type { JsonValue } from '../directory/types.ts';
import type { AgentStatus } from '../relay/status.ts';

export const STATUS_PATH = '/canopy/v1/status';

export interface CurrentCycle {
  readonly running: boolean;
  readonly startedAt: string | null;
  readonly nextRunAt: string | null;
  readonly lastFinishedAt: string | null;
  readonly lastError: string | null;
}

export interface JobStatusView {
  readonly id: string;
  readonly templateId: string;
  readonly domain: string | null;
  readonly state: string;
  readonly interval: string;
  readonly current: CurrentCycle | null;
  /** Graph status.code: NotConfigured, NotRun, Active, Paused, Quarantine. */
  readonly code: string | null;
  /** Graph synchronizationQuarantine, null when none. */
  readonly quarantine: JsonValue | null;
  /** Graph synchronizationProgress of the running cycle (objects read, written), [] when idle. */
  readonly progress: JsonValue | null;
  readonly lastExecution: JsonValue | null;
  readonly lastSuccessfulExecution: JsonValue | null;
  readonly lastSuccessfulExecutionWithExports: JsonValue | null;
  readonly countSuccessiveCompleteFailures: number;
  readonly synchronizedEntryCountByType: JsonValue | null;
  /** Deletes the delete threshold holds (waiting for ForceDeletes while quarantined). */
  readonly stagedDeletes: number;
}

export interface ServiceStatus {
  readonly tenantId: string;
  readonly agents: readonly AgentStatus[];
  readonly jobs: readonly JobStatusView[];
}
