/** Agent status as the API and `canopy status` show it: the registry's record overlaid with the live connection. */
import type { AgentRecord } from './registry.ts';
import type { AgentSession } from './session.ts';

export type AgentState = 'connected' | 'down' | 'disconnected' | 'revoked';

export interface AgentStatus {
  readonly id: string;
  readonly name: string;
  readonly tenantId: string;
  readonly version: string | null;
  readonly domains: readonly string[];
  readonly state: AgentState;
  readonly registeredAt: string;
  readonly connectedSince: string | null;
  readonly lastHeartbeat: string | null;
  readonly revokedAt: string | null;
  /** Requests this node has sent the agent and not yet had answered. */
  readonly requestsInFlight: number;
}

const iso = (value: Date | undefined): string | null => value?.toISOString() ?? null;

export function agentStatus(record: AgentRecord, session: AgentSession | undefined, lastEnd: 'down' | 'disconnected' | undefined): AgentStatus {
  const live = session?.state === 'up' ? session : undefined;
  let state: AgentState = live ? 'connected' : (lastEnd ?? 'disconnected');
  if (record.revokedAt) state = 'revoked';
  return {
    id: record.id,
    name: record.name,
    tenantId: record.tenantId,
    version: live?.version ?? record.version ?? null,
    domains: record.domains,
    state,
    registeredAt: record.registeredAt.toISOString(),
    connectedSince: iso(live?.connectedSince),
    lastHeartbeat: iso(live?.lastHeartbeat ?? record.lastSeenAt),
    revokedAt: iso(record.revokedAt),
    requestsInFlight: live?.inFlight ?? 0,
  };
}
