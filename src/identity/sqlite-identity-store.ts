/** The IdentityStore in the data folder's SQLite database (src/directory/sqlite). */
import { randomBytes } from 'node:crypto';
import { runMigrations, type SqliteDatabase } from '../directory/sqlite/open-database.ts';
import type { IdentityAccount, IdentityStore, OidcPayload, OidcRecordKey } from './identity-store.ts';
import { IDENTITY_MIGRATION_ID, IDENTITY_SQLITE_SQL, userNameKey } from './schema.ts';

interface AccountRow {
  tenant_id: string; id: string; user_name: string; display_name: string; password_hash: string;
  must_change_password: number; roles: string; created_date_time: string;
}

const toAccount = (row: AccountRow | undefined): IdentityAccount | undefined => row && {
  tenantId: row.tenant_id,
  id: row.id,
  userName: row.user_name,
  displayName: row.display_name,
  passwordHash: row.password_hash,
  mustChangePassword: row.must_change_password !== 0,
  roles: JSON.parse(row.roles) as string[],
  createdDateTime: row.created_date_time,
};

const live = (row: { payload: string; expires_at: number | null } | undefined): OidcPayload | undefined =>
  row && (row.expires_at === null || row.expires_at > Date.now()) ? (JSON.parse(row.payload) as OidcPayload) : undefined;

export class SqliteIdentityStore implements IdentityStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    runMigrations(db, [{ id: IDENTITY_MIGRATION_ID, sql: IDENTITY_SQLITE_SQL }]);
  }

  async upsertRecord(key: OidcRecordKey, payload: OidcPayload, expiresAt: number | undefined): Promise<void> {
    // Expired records go as new ones arrive: the table holds what is live, give or take.
    this.#db.prepare('DELETE FROM identity_oidc_records WHERE expires_at < ?').run(Date.now());
    this.#db.prepare(`INSERT INTO identity_oidc_records (tenant_id, model, id, payload, grant_id, uid, user_code, expires_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (tenant_id, model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
        uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`)
      .run(key.tenantId, key.model, key.id, JSON.stringify(payload), str(payload.grantId), str(payload.uid), str(payload.userCode), expiresAt ?? null);
  }

  async findRecord(key: OidcRecordKey): Promise<OidcPayload | undefined> {
    return live(this.#db.prepare<[string, string, string], { payload: string; expires_at: number | null }>(
      'SELECT payload, expires_at FROM identity_oidc_records WHERE tenant_id = ? AND model = ? AND id = ?').get(key.tenantId, key.model, key.id));
  }

  async findRecordBy(tenantId: string, model: string, field: 'uid' | 'userCode', value: string): Promise<OidcPayload | undefined> {
    const column = field === 'uid' ? 'uid' : 'user_code';
    return live(this.#db.prepare<[string, string, string], { payload: string; expires_at: number | null }>(
      `SELECT payload, expires_at FROM identity_oidc_records WHERE tenant_id = ? AND model = ? AND ${column} = ?`).get(tenantId, model, value));
  }

  async consumeRecord(key: OidcRecordKey, at: number): Promise<void> {
    this.#db.prepare(`UPDATE identity_oidc_records SET payload = json_set(payload, '$.consumed', ?)
      WHERE tenant_id = ? AND model = ? AND id = ?`).run(Math.floor(at / 1000), key.tenantId, key.model, key.id);
  }

  async destroyRecord(key: OidcRecordKey): Promise<void> {
    this.#db.prepare('DELETE FROM identity_oidc_records WHERE tenant_id = ? AND model = ? AND id = ?').run(key.tenantId, key.model, key.id);
  }

  async revokeGrant(tenantId: string, grantId: string): Promise<void> {
    this.#db.prepare('DELETE FROM identity_oidc_records WHERE tenant_id = ? AND grant_id = ?').run(tenantId, grantId);
  }

  async createAccount(account: IdentityAccount): Promise<void> {
    this.#db.prepare(`INSERT INTO identity_accounts (tenant_id, id, user_name, user_name_key, display_name, password_hash, must_change_password, roles, created_date_time)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(account.tenantId, account.id, account.userName, userNameKey(account.userName), account.displayName,
      account.passwordHash, account.mustChangePassword ? 1 : 0, JSON.stringify(account.roles), account.createdDateTime);
  }

  async getAccount(tenantId: string, id: string): Promise<IdentityAccount | undefined> {
    return toAccount(this.#db.prepare<[string, string], AccountRow>('SELECT * FROM identity_accounts WHERE tenant_id = ? AND id = ?').get(tenantId, id));
  }

  async findAccountByUserName(tenantId: string, userName: string): Promise<IdentityAccount | undefined> {
    return toAccount(this.#db.prepare<[string, string], AccountRow>('SELECT * FROM identity_accounts WHERE tenant_id = ? AND user_name_key = ?').get(tenantId, userNameKey(userName)));
  }

  async setPassword(tenantId: string, id: string, passwordHash: string, mustChangePassword: boolean): Promise<void> {
    this.#db.prepare('UPDATE identity_accounts SET password_hash = ?, must_change_password = ? WHERE tenant_id = ? AND id = ?')
      .run(passwordHash, mustChangePassword ? 1 : 0, tenantId, id);
  }

  async countAccounts(tenantId: string): Promise<number> {
    return this.#db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM identity_accounts WHERE tenant_id = ?').get(tenantId)!.n;
  }

  async cookieKeys(): Promise<string[]> {
    this.#db.prepare('INSERT OR IGNORE INTO identity_meta (key, value) VALUES (?, ?)').run('cookie_keys', JSON.stringify([randomBytes(32).toString('base64url')]));
    return JSON.parse(this.#db.prepare<[string], { value: string }>('SELECT value FROM identity_meta WHERE key = ?').get('cookie_keys')!.value) as string[];
  }
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
