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
  readonly lastExecution: JsonValue | null;
  readonly synchronizedEntryCountByType: JsonValue | null;
}

export interface ServiceStatus {
  readonly tenantId: string;
  readonly agents: readonly AgentStatus[];
  readonly jobs: readonly JobStatusView[];
}
