/**
 * The IdentityStore on Postgres (sqlite-identity-store.ts is the SQLite side): every node of
 * an installation shares the provider's sessions, codes and tokens, the accounts and the
 * cookie keys, so a sign-in begun on one node finishes on any.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { runPostgresMigrations } from '../directory/postgres/connect.ts';
import type { IdentityAccount, IdentityStore, OidcPayload, OidcRecordKey } from './identity-store.ts';
import { IDENTITY_MIGRATION_ID, IDENTITY_POSTGRES_SQL, userNameKey } from './schema.ts';

interface AccountRow {
  tenant_id: string; id: string; user_name: string; display_name: string; password_hash: string;
  must_change_password: string; roles: string[]; created_date_time: string;
}

const toAccount = (row: AccountRow | undefined): IdentityAccount | undefined => row && {
  tenantId: row.tenant_id,
  id: row.id,
  userName: row.user_name,
  displayName: row.display_name,
  passwordHash: row.password_hash,
  mustChangePassword: Number(row.must_change_password) !== 0,
  roles: row.roles,
  createdDateTime: row.created_date_time,
};

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export class PostgresIdentityStore implements IdentityStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PostgresIdentityStore> {
    await runPostgresMigrations(pool, [{ id: IDENTITY_MIGRATION_ID, sql: IDENTITY_POSTGRES_SQL }]);
    return new PostgresIdentityStore(pool);
  }

  async upsertRecord(key: OidcRecordKey, payload: OidcPayload, expiresAt: number | undefined): Promise<void> {
    await this.pool.query('DELETE FROM identity_oidc_records WHERE expires_at < $1', [Date.now()]);
    await this.pool.query(`INSERT INTO identity_oidc_records (tenant_id, model, id, payload, grant_id, uid, user_code, expires_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (tenant_id, model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
        uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`,
    [key.tenantId, key.model, key.id, JSON.stringify(payload), str(payload.grantId), str(payload.uid), str(payload.userCode), expiresAt ?? null]);
  }

  async #findWhere(where: string, values: unknown[]): Promise<OidcPayload | undefined> {
    const { rows } = await this.pool.query<{ payload: OidcPayload }>(
      `SELECT payload FROM identity_oidc_records WHERE ${where} AND (expires_at IS NULL OR expires_at > $${values.length + 1})`, [...values, Date.now()]);
    return rows[0]?.payload;
  }

  findRecord(key: OidcRecordKey): Promise<OidcPayload | undefined> {
    return this.#findWhere('tenant_id = $1 AND model = $2 AND id = $3', [key.tenantId, key.model, key.id]);
  }

  findRecordBy(tenantId: string, model: string, field: 'uid' | 'userCode', value: string): Promise<OidcPayload | undefined> {
    return this.#findWhere(`tenant_id = $1 AND model = $2 AND ${field === 'uid' ? 'uid' : 'user_code'} = $3`, [tenantId, model, value]);
  }

  async consumeRecord(key: OidcRecordKey, at: number): Promise<void> {
    await this.pool.query(`UPDATE identity_oidc_records SET payload = jsonb_set(payload, '{consumed}', to_jsonb($1::bigint))
      WHERE tenant_id = $2 AND model = $3 AND id = $4`, [Math.floor(at / 1000), key.tenantId, key.model, key.id]);
  }

  async destroyRecord(key: OidcRecordKey): Promise<void> {
    await this.pool.query('DELETE FROM identity_oidc_records WHERE tenant_id = $1 AND model = $2 AND id = $3', [key.tenantId, key.model, key.id]);
  }

  async revokeGrant(tenantId: string, grantId: string): Promise<void> {
    await this.pool.query('DELETE FROM identity_oidc_records WHERE tenant_id = $1 AND grant_id = $2', [tenantId, grantId]);
  }

  async createAccount(account: IdentityAccount): Promise<void> {
    await this.pool.query(`INSERT INTO identity_accounts (tenant_id, id, user_name, user_name_key, display_name, password_hash, must_change_password, roles, created_date_time)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [account.tenantId, account.id, account.userName, userNameKey(account.userName), account.displayName,
      account.passwordHash, account.mustChangePassword ? 1 : 0, JSON.stringify(account.roles), account.createdDateTime]);
  }

  async getAccount(tenantId: string, id: string): Promise<IdentityAccount | undefined> {
    const { rows } = await this.pool.query<AccountRow>('SELECT * FROM identity_accounts WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return toAccount(rows[0]);
  }

  async findAccountByUserName(tenantId: string, userName: string): Promise<IdentityAccount | undefined> {
    const { rows } = await this.pool.query<AccountRow>('SELECT * FROM identity_accounts WHERE tenant_id = $1 AND user_name_key = $2', [tenantId, userNameKey(userName)]);
    return toAccount(rows[0]);
  }

  async setPassword(tenantId: string, id: string, passwordHash: string, mustChangePassword: boolean): Promise<void> {
    await this.pool.query('UPDATE identity_accounts SET password_hash = $1, must_change_password = $2 WHERE tenant_id = $3 AND id = $4',
      [passwordHash, mustChangePassword ? 1 : 0, tenantId, id]);
  }

  async countAccounts(tenantId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM identity_accounts WHERE tenant_id = $1', [tenantId]);
    return Number(rows[0]!.n);
  }

  async cookieKeys(): Promise<string[]> {
    await this.pool.query('INSERT INTO identity_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', ['cookie_keys', JSON.stringify([randomBytes(32).toString('base64url')])]);
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM identity_meta WHERE key = $1', ['cookie_keys']);
    return JSON.parse(rows[0]!.value) as string[];
  }
}
