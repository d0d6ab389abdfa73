/**
 * The identity tables, the same on SQLite and Postgres (times in epoch ms; JSON as text on
 * SQLite, JSONB on Postgres). Records are keyed per tenant: one tenant's provider never
 * finds another's session, code or token.
 */
const table = (json: string, bigint: string) => `
  CREATE TABLE identity_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE identity_oidc_records (
    tenant_id TEXT NOT NULL,
    model TEXT NOT NULL,
    id TEXT NOT NULL,
    payload ${json} NOT NULL,
    grant_id TEXT,
    uid TEXT,
    user_code TEXT,
    expires_at ${bigint},
    PRIMARY KEY (tenant_id, model, id)
  );
  CREATE INDEX identity_oidc_records_grant ON identity_oidc_records (tenant_id, grant_id);
  CREATE INDEX identity_oidc_records_uid ON identity_oidc_records (tenant_id, model, uid);
  CREATE INDEX identity_oidc_records_expiry ON identity_oidc_records (expires_at);
  CREATE TABLE identity_accounts (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    user_name_key TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password ${bigint} NOT NULL,
    roles ${json} NOT NULL,
    created_date_time TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, user_name_key)
  );`;

export const IDENTITY_SQLITE_SQL = table('TEXT', 'INTEGER');
export const IDENTITY_POSTGRES_SQL = table('JSONB', 'BIGINT');
export const IDENTITY_MIGRATION_ID = 'identity-001-oidc';

/** Account names compare without regard to case (as UPNs do in Entra). */
export const userNameKey = (userName: string): string => userName.trim().toLowerCase();
