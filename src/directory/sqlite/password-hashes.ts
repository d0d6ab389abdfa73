/** Synced password hashes (PPH1 strings), one row per user, in a table of their own. */
import type { UserPasswordHash } from '../types.ts';
import type { SqliteDatabase } from './open-database.ts';
import { get, run } from './sql.ts';

export function getUserPasswordHash(db: SqliteDatabase, tenantId: string, userId: string): UserPasswordHash | undefined {
  const row = get<{ user_id: string; credential_data: string; synced_date_time: string }>(db,
    'SELECT user_id, credential_data, synced_date_time FROM directory_user_password_hashes WHERE tenant_id = ? AND user_id = ?', [tenantId, userId]);
  return row ? { userId: row.user_id, credentialData: row.credential_data, syncedDateTime: row.synced_date_time } : undefined;
}

export function putUserPasswordHashes(db: SqliteDatabase, tenantId: string, hashes: readonly Omit<UserPasswordHash, 'syncedDateTime'>[], now: string): void {
  for (const hash of hashes) {
    run(db, `INSERT INTO directory_user_password_hashes (tenant_id, user_id, credential_data, synced_date_time) VALUES (?, ?, ?, ?)
      ON CONFLICT (tenant_id, user_id) DO UPDATE SET credential_data = excluded.credential_data, synced_date_time = excluded.synced_date_time`,
    [tenantId, hash.userId, hash.credentialData, now]);
  }
}
