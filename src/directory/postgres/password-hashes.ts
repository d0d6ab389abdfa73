/** Synced password hashes (PPH1 strings), one row per user, in a table of their own. */
import type { Page, PageRequest } from '../store.ts';
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

export async function listPending(db: Queryable, tenantId: string, jobId: string, page: PageRequest): Promise<Page<string>> {
  const limit = Math.max(1, Math.min(1000, page.limit));
  const { rows } = await db.query<{ source_anchor: string }>(`SELECT source_anchor FROM directory_password_hash_pending
    WHERE tenant_id = $1 AND job_id = $2 AND source_anchor > $3 ORDER BY source_anchor LIMIT $4`, [tenantId, jobId, page.cursor ?? '', limit + 1]);
  const items = rows.slice(0, limit).map((row) => row.source_anchor);
  return rows.length > limit ? { items, cursor: items.at(-1)! } : { items };
}

export async function addPending(db: Queryable, tenantId: string, jobId: string, anchors: readonly string[]): Promise<void> {
  if (anchors.length === 0) return;
  await db.query(`INSERT INTO directory_password_hash_pending (tenant_id, job_id, source_anchor)
    SELECT $1, $2, a FROM unnest($3::text[]) AS t(a) ON CONFLICT DO NOTHING`, [tenantId, jobId, [...new Set(anchors)]]);
}

export async function removePending(db: Queryable, tenantId: string, jobId: string, anchors: readonly string[]): Promise<void> {
  if (anchors.length === 0) return;
  await db.query('DELETE FROM directory_password_hash_pending WHERE tenant_id = $1 AND job_id = $2 AND source_anchor = ANY($3::text[])', [tenantId, jobId, anchors]);
}
