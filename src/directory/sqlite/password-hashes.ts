/** Synced password hashes (PPH1 strings), one row per user, in a table of their own. */
import type { Page, PageRequest } from '../store.ts';
import type { UserPasswordHash } from '../types.ts';
import type { SqliteDatabase } from './open-database.ts';
import { all, get, run } from './sql.ts';

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

export function listPending(db: SqliteDatabase, tenantId: string, jobId: string, page: PageRequest): Page<string> {
  const limit = Math.max(1, Math.min(1000, page.limit));
  const rows = all<{ source_anchor: string }>(db, `SELECT source_anchor FROM directory_password_hash_pending
    WHERE tenant_id = ? AND job_id = ? AND source_anchor > ? ORDER BY source_anchor LIMIT ?`, [tenantId, jobId, page.cursor ?? '', limit + 1]);
  const items = rows.slice(0, limit).map((row) => row.source_anchor);
  return rows.length > limit ? { items, cursor: items.at(-1)! } : { items };
}

export function addPending(db: SqliteDatabase, tenantId: string, jobId: string, anchors: readonly string[]): void {
  for (const anchor of anchors) {
    run(db, 'INSERT OR IGNORE INTO directory_password_hash_pending (tenant_id, job_id, source_anchor) VALUES (?, ?, ?)', [tenantId, jobId, anchor]);
  }
}

export function removePending(db: SqliteDatabase, tenantId: string, jobId: string, anchors: readonly string[]): void {
  for (const anchor of anchors) {
    run(db, 'DELETE FROM directory_password_hash_pending WHERE tenant_id = ? AND job_id = ? AND source_anchor = ?', [tenantId, jobId, anchor]);
  }
}
