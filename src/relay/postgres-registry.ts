/**
 * The AgentRegistry on Postgres (sqlite-registry.ts is the SQLite side): every `canopy
 * serve` node of an installation shares the registration tokens, the enrolled agents, the
 * replay guard of agent assertions and the service id (the assertions' audience), so an
 * agent enrolled through one node connects to any.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { JWK } from 'jose';
import { runPostgresMigrations, type PostgresMigration } from '../directory/postgres/connect.ts';
import type { AgentRecord, AgentRegistry, EnrollResult, RegistrationTokenRecord } from './registry.ts';

/** The SQLite steps (sqlite-registry.ts relayMigrations) with their ids; times in epoch ms. */
export const RELAY_POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    id: 'relay-001-agents',
    sql: `
      CREATE TABLE relay_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE relay_tokens (
        token_hash TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        used_by_agent TEXT
      );
      CREATE TABLE relay_agents (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        name TEXT NOT NULL,
        public_key_jwk JSONB NOT NULL,
        domains JSONB NOT NULL,
        registered_at BIGINT NOT NULL,
        revoked_at BIGINT,
        version TEXT,
        last_connected_at BIGINT,
        last_seen_at BIGINT
      );
      CREATE INDEX relay_agents_tenant ON relay_agents (tenant_id);
      CREATE TABLE relay_used_assertions (
        agent_id TEXT NOT NULL,
        jti TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (agent_id, jti)
      );
      CREATE INDEX relay_used_assertions_expiry ON relay_used_assertions (expires_at);`,
  },
];

interface AgentRow {
  id: string; tenant_id: string; name: string; public_key_jwk: JWK; domains: string[]; registered_at: string;
  revoked_at: string | null; version: string | null; last_connected_at: string | null; last_seen_at: string | null;
}

/** BIGINT arrives as text from node-postgres. */
const date = (ms: string | null): Date | undefined => (ms === null ? undefined : new Date(Number(ms)));

function toAgent(row: AgentRow): AgentRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    publicKeyJwk: row.public_key_jwk,
    domains: row.domains,
    registeredAt: new Date(Number(row.registered_at)),
    revokedAt: date(row.revoked_at),
    version: row.version ?? undefined,
    lastConnectedAt: date(row.last_connected_at),
    lastSeenAt: date(row.last_seen_at),
  };
}

export class PostgresAgentRegistry implements AgentRegistry {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Applies the relay's migrations to the pool's schema first. */
  static async open(pool: pg.Pool): Promise<PostgresAgentRegistry> {
    await runPostgresMigrations(pool, RELAY_POSTGRES_MIGRATIONS);
    return new PostgresAgentRegistry(pool);
  }

  async serviceId(): Promise<string> {
    // The first node to ask sets it; every other node reads the same one.
    await this.#pool.query('INSERT INTO relay_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', ['service_id', `urn:canopy:relay:${randomUUID()}`]);
    return (await this.#pool.query<{ value: string }>('SELECT value FROM relay_meta WHERE key = $1', ['service_id'])).rows[0]!.value;
  }

  async saveToken(record: RegistrationTokenRecord): Promise<void> {
    await this.#pool.query('INSERT INTO relay_tokens (token_hash, tenant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [record.tokenHash, record.tenantId, record.createdAt.getTime(), record.expiresAt.getTime()]);
  }

  async enroll(tokenHash: string, now: Date, agent: Omit<AgentRecord, 'tenantId'>): Promise<EnrollResult & { tenantId?: string }> {
    // One transaction, the token row locked (FOR UPDATE): two nodes enrolling with the same
    // token at once spend it once; the second sees it used.
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const token = (await client.query<{ tenant_id: string; expires_at: string; used_at: string | null }>(
        'SELECT tenant_id, expires_at, used_at FROM relay_tokens WHERE token_hash = $1 FOR UPDATE', [tokenHash])).rows[0];
      let result: EnrollResult & { tenantId?: string };
      if (!token) result = { ok: false, reason: 'unknown' };
      else if (token.used_at !== null) result = { ok: false, reason: 'used' };
      else if (Number(token.expires_at) <= now.getTime()) result = { ok: false, reason: 'expired' };
      else {
        await client.query('UPDATE relay_tokens SET used_at = $1, used_by_agent = $2 WHERE token_hash = $3', [now.getTime(), agent.id, tokenHash]);
        await client.query(`INSERT INTO relay_agents (id, tenant_id, name, public_key_jwk, domains, registered_at) VALUES ($1, $2, $3, $4, $5, $6)`,
          [agent.id, token.tenant_id, agent.name, JSON.stringify(agent.publicKeyJwk), JSON.stringify(agent.domains), agent.registeredAt.getTime()]);
        result = { ok: true, tenantId: token.tenant_id };
      }
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async getAgent(id: string): Promise<AgentRecord | undefined> {
    const row = (await this.#pool.query<AgentRow>('SELECT * FROM relay_agents WHERE id = $1', [id])).rows[0];
    return row && toAgent(row);
  }

  async listAgents(tenantId: string): Promise<AgentRecord[]> {
    return (await this.#pool.query<AgentRow>('SELECT * FROM relay_agents WHERE tenant_id = $1 ORDER BY registered_at, id', [tenantId])).rows.map(toAgent);
  }

  async revokeAgent(id: string, at: Date, tenantId?: string): Promise<boolean> {
    const result = await this.#pool.query('UPDATE relay_agents SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 AND ($3::text IS NULL OR tenant_id = $3)',
      [id, at.getTime(), tenantId ?? null]);
    return (result.rowCount ?? 0) > 0;
  }

  async recordConnected(id: string, version: string, at: Date): Promise<void> {
    await this.#pool.query('UPDATE relay_agents SET version = $1, last_connected_at = $2, last_seen_at = $2 WHERE id = $3', [version, at.getTime(), id]);
  }

  async recordSeen(id: string, at: Date): Promise<void> {
    await this.#pool.query('UPDATE relay_agents SET last_seen_at = $1 WHERE id = $2', [at.getTime(), id]);
  }

  async useAssertionId(agentId: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    await this.#pool.query('DELETE FROM relay_used_assertions WHERE expires_at < $1', [now.getTime()]);
    const result = await this.#pool.query('INSERT INTO relay_used_assertions (agent_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [agentId, jti, expiresAt.getTime()]);
    return result.rowCount === 1;
  }
}
