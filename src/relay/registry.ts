/**
 * Where the relay keeps registration tokens and enrolled agents. Async so that a Postgres
 * adapter (several `canopy serve` nodes) fits the same interface as the SQLite one.
 */
import type { JWK } from 'jose';

export interface RegistrationTokenRecord {
  /** SHA-256 of the token, hex. The token itself is never stored. */
  readonly tokenHash: string;
  readonly tenantId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface AgentRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  /** The agent's public key; its private key never leaves the agent. */
  readonly publicKeyJwk: JWK;
  /** DNS names of the AD domains it serves, lower case. */
  readonly domains: readonly string[];
  readonly registeredAt: Date;
  readonly revokedAt?: Date;
  readonly version?: string;
  readonly lastConnectedAt?: Date;
  readonly lastSeenAt?: Date;
}

export type EnrollResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'unknown' | 'used' | 'expired' };

export interface AgentRegistry {
  /** A stable identifier of this service, the audience of agent assertions. */
  serviceId(): Promise<string>;
  saveToken(record: RegistrationTokenRecord): Promise<void>;
  /**
   * Consumes the token and records the agent atomically: a token enrolls exactly one agent,
   * and a failed enrollment leaves the token usable. The agent's tenant is the token's.
   */
  enroll(tokenHash: string, now: Date, agent: Omit<AgentRecord, 'tenantId'>): Promise<EnrollResult & { tenantId?: string }>;
  getAgent(id: string): Promise<AgentRecord | undefined>;
  listAgents(tenantId: string): Promise<AgentRecord[]>;
  /** Returns false when the agent is unknown (or of another tenant when given). */
  revokeAgent(id: string, at: Date, tenantId?: string): Promise<boolean>;
  recordConnected(id: string, version: string, at: Date): Promise<void>;
  recordSeen(id: string, at: Date): Promise<void>;
  /**
   * Records an assertion id (jti) as used until it expires. Returns false when it was
   * already used: a replayed assertion.
   */
  useAssertionId(agentId: string, jti: string, expiresAt: Date, now: Date): Promise<boolean>;
}
