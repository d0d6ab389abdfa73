/** The AgentRegistry over the data folder's SQLite database (src/directory/sqlite). */
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { runMigrations, type Migration, type SqliteDatabase } from '../directory/sqlite/open-database.ts';
import type { AgentRecord, AgentRegistry, EnrollResult, RegistrationTokenRecord } from './registry.ts';

export const relayMigrations: readonly Migration[] = [
  {
    id: 'relay-001-agents',
    sql: `
      CREATE TABLE relay_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE relay_tokens (
        token_hash TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        used_by_agent TEXT
      );
      CREATE TABLE relay_agents (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        name TEXT NOT NULL,
        public_key_jwk TEXT NOT NULL,
        domains TEXT NOT NULL,
        registered_at INTEGER NOT NULL,
        revoked_at INTEGER,
        version TEXT,
        last_connected_at INTEGER,
        last_seen_at INTEGER
      );
      CREATE INDEX relay_agents_tenant ON relay_agents (tenant_id);
      CREATE TABLE relay_used_assertions (
        agent_id TEXT NOT NULL,
        jti TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (agent_id, jti)
      );
      CREATE INDEX relay_used_assertions_expiry ON relay_used_assertions (expires_at);`,
  },
];

interface AgentRow {
  id: string;
  tenant_id: string;
  name: string;
  public_key_jwk: string;
  domains: string;
  registered_at: number;
  revoked_at: number | null;
  version: string | null;
  last_connected_at: number | null;
  last_seen_at: number | null;
}

interface TokenRow {
  tenant_id: string;
  expires_at: number;
  used_at: number | null;
}

const date = (ms: number | null): Date | undefined => (ms === null ? undefined : new Date(ms));

function toAgent(row: AgentRow): AgentRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    publicKeyJwk: JSON.parse(row.public_key_jwk) as JWK,
    domains: JSON.parse(row.domains) as string[],
    registeredAt: new Date(row.registered_at),
    revokedAt: date(row.revoked_at),
    version: row.version ?? undefined,
    lastConnectedAt: date(row.last_connected_at),
    lastSeenAt: date(row.last_seen_at),
  };
}

export class SqliteAgentRegistry implements AgentRegistry {
  readonly #db: SqliteDatabase;

  /** The underlying database, for tests and the composition root. */
  get database(): SqliteDatabase {
    return this.#db;
  }

  constructor(db: SqliteDatabase) {
    this.#db = db;
    runMigrations(db, relayMigrations);
  }

  async serviceId(): Promise<string> {
    this.#db.prepare('INSERT OR IGNORE INTO relay_meta (key, value) VALUES (?, ?)').run('service_id', `urn:canopy:relay:${randomUUID()}`);
    return this.#db.prepare<[string], { value: string }>('SELECT value FROM relay_meta WHERE key = ?').get('service_id')!.value;
  }

  async saveToken(record: RegistrationTokenRecord): Promise<void> {
    this.#db
      .prepare('INSERT INTO relay_tokens (token_hash, tenant_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(record.tokenHash, record.tenantId, record.createdAt.getTime(), record.expiresAt.getTime());
  }

  async enroll(tokenHash: string, now: Date, agent: Omit<AgentRecord, 'tenantId'>): Promise<EnrollResult & { tenantId?: string }> {
    // One transaction: the token is spent exactly when the agent row exists.
    return this.#db.transaction((): EnrollResult & { tenantId?: string } => {
      const token = this.#db
        .prepare<[string], TokenRow>('SELECT tenant_id, expires_at, used_at FROM relay_tokens WHERE token_hash = ?')
        .get(tokenHash);
      if (!token) return { ok: false, reason: 'unknown' };
      if (token.used_at !== null) return { ok: false, reason: 'used' };
      if (token.expires_at <= now.getTime()) return { ok: false, reason: 'expired' };
      this.#db.prepare('UPDATE relay_tokens SET used_at = ?, used_by_agent = ? WHERE token_hash = ?').run(now.getTime(), agent.id, tokenHash);
      this.#db
        .prepare(
          `INSERT INTO relay_agents (id, tenant_id, name, public_key_jwk, domains, registered_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(agent.id, token.tenant_id, agent.name, JSON.stringify(agent.publicKeyJwk), JSON.stringify(agent.domains), agent.registeredAt.getTime());
      return { ok: true, tenantId: token.tenant_id };
    }).immediate();
  }

  async getAgent(id: string): Promise<AgentRecord | undefined> {
    const row = this.#db.prepare<[string], AgentRow>('SELECT * FROM relay_agents WHERE id = ?').get(id);
    return row && toAgent(row);
  }

  async listAgents(tenantId: string): Promise<AgentRecord[]> {
    return this.#db
      .prepare<[string], AgentRow>('SELECT * FROM relay_agents WHERE tenant_id = ? ORDER BY registered_at, id')
      .all(tenantId)
      .map(toAgent);
  }

  async revokeAgent(id: string, at: Date, tenantId?: string): Promise<boolean> {
    const agent = await this.getAgent(id);
    if (!agent || (tenantId !== undefined && agent.tenantId !== tenantId)) return false;
    this.#db.prepare('UPDATE relay_agents SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(at.getTime(), id);
    return true;
  }

  async recordConnected(id: string, version: string, at: Date): Promise<void> {
    this.#db.prepare('UPDATE relay_agents SET version = ?, last_connected_at = ?, last_seen_at = ? WHERE id = ?').run(version, at.getTime(), at.getTime(), id);
  }

  async recordSeen(id: string, at: Date): Promise<void> {
    this.#db.prepare('UPDATE relay_agents SET last_seen_at = ? WHERE id = ?').run(at.getTime(), id);
  }

  async useAssertionId(agentId: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    this.#db.prepare('DELETE FROM relay_used_assertions WHERE expires_at < ?').run(now.getTime());
    const result = this.#db
      .prepare('INSERT OR IGNORE INTO relay_used_assertions (agent_id, jti, expires_at) VALUES (?, ?, ?)')
      .run(agentId, jti, expiresAt.getTime());
    return result.changes === 1;
  }
}
