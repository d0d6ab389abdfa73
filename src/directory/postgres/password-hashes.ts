/** Synced password hashes (PPH1 strings), one row per user, in a table of their own. */
import type { UserPasswordHash } from '../types.ts';
import type { Queryable } from './connect.ts';

export async function getUserPasswordHash(db: Queryable, tenantId: string, userId: string): Promise<UserPasswordHash | undefined> {
  const { rows } = await db.query<{ user_id: string; credential_data: string; synced_date_time: string }>(
    'SELECT user_id, credential_data, synced_date_time FROM directory_user_password_hashes WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
  const row = rows[0];
  return row ? { userId: row.user_id, credentialData: row.credential_data, syncedDateTime: row.synced_date_time } : undefined;
}

export async function putUserPasswordHashes(db: Queryable, tenantId: string, hashes: readonly Omit<UserPasswordHash, 'syncedDateTime'>[], now: string): Promise<void> {
  if (hashes.length === 0) return;
  await db.query(`INSERT INTO directory_user_password_hashes (tenant_id, user_id, credential_data, synced_date_time)
    SELECT $1, u, c, $4 FROM unnest($2::text[], $3::text[]) AS t(u, c)
    ON CONFLICT (tenant_id, user_id) DO UPDATE SET credential_data = excluded.credential_data, synced_date_time = excluded.synced_date_time`,
  [tenantId, hashes.map((h) => h.userId), hashes.map((h) => h.credentialData), now]);
}
