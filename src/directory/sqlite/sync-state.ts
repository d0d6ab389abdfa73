/** Synchronization jobs, their secrets, watermarks and escrows. */
import { plainOf, secretContext, type SecretBox } from '../secret-box.ts';
import type { SqliteDatabase } from './open-database.ts';
import type { Escrow, EscrowInput, KeyValue, SynchronizationJob } from '../types.ts';
import type { Page, PageRequest } from '../store.ts';
import { all, get, placeholders, run } from './sql.ts';

interface JobRow {
  tenant_id: string; id: string; template_id: string; service_principal_id: string;
  schedule: string; status: string; settings: string; schema_json: string | null; created_date_time: string;
}

const jobOf = (row: JobRow): SynchronizationJob => ({
  tenantId: row.tenant_id,
  id: row.id,
  templateId: row.template_id,
  servicePrincipalId: row.service_principal_id,
  schedule: JSON.parse(row.schedule),
  status: JSON.parse(row.status),
  synchronizationJobSettings: JSON.parse(row.settings),
  schema: row.schema_json === null ? null : JSON.parse(row.schema_json),
  createdDateTime: row.created_date_time,
});

export function getJob(db: SqliteDatabase, tenantId: string, jobId: string): SynchronizationJob | undefined {
  const row = get<JobRow>(db, 'SELECT * FROM directory_sync_jobs WHERE tenant_id = ? AND id = ?', [tenantId, jobId]);
  return row ? jobOf(row) : undefined;
}

export function listJobs(db: SqliteDatabase, tenantId: string | undefined, servicePrincipalId?: string): SynchronizationJob[] {
  if (tenantId === undefined) return all<JobRow>(db, 'SELECT * FROM directory_sync_jobs ORDER BY tenant_id, id', []).map(jobOf);
  if (servicePrincipalId === undefined) return all<JobRow>(db, 'SELECT * FROM directory_sync_jobs WHERE tenant_id = ? ORDER BY id', [tenantId]).map(jobOf);
  return all<JobRow>(db, 'SELECT * FROM directory_sync_jobs WHERE tenant_id = ? AND service_principal_id = ? ORDER BY id', [tenantId, servicePrincipalId]).map(jobOf);
}

export function putJob(db: SqliteDatabase, job: SynchronizationJob): void {
  run(db, `INSERT INTO directory_sync_jobs (tenant_id, id, template_id, service_principal_id, schedule, status, settings, schema_json, created_date_time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (tenant_id, id) DO UPDATE SET template_id = excluded.template_id, service_principal_id = excluded.service_principal_id,
      schedule = excluded.schedule, status = excluded.status, settings = excluded.settings, schema_json = excluded.schema_json`, [
    job.tenantId, job.id, job.templateId, job.servicePrincipalId, JSON.stringify(job.schedule), JSON.stringify(job.status),
    JSON.stringify(job.synchronizationJobSettings), job.schema === null ? null : JSON.stringify(job.schema), job.createdDateTime,
  ]);
}

export function deleteJob(db: SqliteDatabase, tenantId: string, jobId: string): boolean {
  run(db, 'DELETE FROM directory_watermarks WHERE tenant_id = ? AND job_id = ?', [tenantId, jobId]);
  run(db, 'DELETE FROM directory_escrows WHERE tenant_id = ? AND job_id = ?', [tenantId, jobId]);
  run(db, 'DELETE FROM directory_password_hash_pending WHERE tenant_id = ? AND job_id = ?', [tenantId, jobId]);
  return run(db, 'DELETE FROM directory_sync_jobs WHERE tenant_id = ? AND id = ?', [tenantId, jobId]) > 0;
}


/** Without a box (tests of the store alone) values are kept as given. */
export function getSecrets(db: SqliteDatabase, tenantId: string, servicePrincipalId: string, box?: SecretBox): KeyValue[] {
  const rows = all<KeyValue>(db, 'SELECT key, value FROM directory_sync_secrets WHERE tenant_id = ? AND service_principal_id = ? ORDER BY key', [tenantId, servicePrincipalId]);
  if (!box) return rows;
  return rows.map((row) => ({ key: row.key, value: box.isSealed(row.value) ? box.open(row.value, secretContext(tenantId, servicePrincipalId, row.key)) : row.value }));
}

export function putSecrets(db: SqliteDatabase, tenantId: string, servicePrincipalId: string, secrets: readonly KeyValue[], box?: SecretBox): void {
  for (const s of secrets) {
    const value = box ? box.seal(s.value, secretContext(tenantId, servicePrincipalId, s.key)) : s.value;
    run(db, `INSERT INTO directory_sync_secrets (tenant_id, service_principal_id, key, value) VALUES (?, ?, ?, ?)
      ON CONFLICT (tenant_id, service_principal_id, key) DO UPDATE SET value = excluded.value`, [tenantId, servicePrincipalId, s.key, value]);
  }
}

/**
 * Seals the rows written before secrets were encrypted (or by a store opened without a box),
 * and seals again with the current key the rows sealed with a previous one (key rotation), in
 * one transaction. A row that opens with no key is left as it is (its read fails, naming
 * why). Returns how many rows were written.
 */
export function sealPlainSecrets(db: SqliteDatabase, box: SecretBox): number {
  const rows = all<{ tenant_id: string; service_principal_id: string; key: string; value: string }>(db, 'SELECT tenant_id, service_principal_id, key, value FROM directory_sync_secrets', []);
  const updates = rows.flatMap((row) => {
    const context = secretContext(row.tenant_id, row.service_principal_id, row.key);
    const plain = plainOf(box, row.value, context);
    return plain === undefined ? [] : [[box.seal(plain, context), row.tenant_id, row.service_principal_id, row.key]];
  });
  db.transaction(() => {
    for (const update of updates) run(db, 'UPDATE directory_sync_secrets SET value = ? WHERE tenant_id = ? AND service_principal_id = ? AND key = ?', update);
  })();
  return updates.length;
}


export function getWatermark(db: SqliteDatabase, tenantId: string, jobId: string): string | undefined {
  return get<{ watermark: string }>(db, 'SELECT watermark FROM directory_watermarks WHERE tenant_id = ? AND job_id = ?', [tenantId, jobId])?.watermark;
}

export function setWatermark(db: SqliteDatabase, tenantId: string, jobId: string, watermark: string | null, now: string): void {
  if (watermark === null) {
    run(db, 'DELETE FROM directory_watermarks WHERE tenant_id = ? AND job_id = ?', [tenantId, jobId]);
    return;
  }
  run(db, `INSERT INTO directory_watermarks (tenant_id, job_id, watermark, updated_date_time) VALUES (?, ?, ?, ?)
    ON CONFLICT (tenant_id, job_id) DO UPDATE SET watermark = excluded.watermark, updated_date_time = excluded.updated_date_time`, [tenantId, jobId, watermark, now]);
}

export function putEscrows(db: SqliteDatabase, tenantId: string, jobId: string, escrows: readonly EscrowInput[], now: string): void {
  for (const e of escrows) {
    run(db, `INSERT INTO directory_escrows (tenant_id, job_id, source_id, object_type, error, attempts, first_failed_date_time, last_failed_date_time)
      VALUES (?, ?, ?, ?, ?, 1, ?, ?)
      ON CONFLICT (tenant_id, job_id, source_id) DO UPDATE SET object_type = excluded.object_type, error = excluded.error,
        attempts = attempts + 1, last_failed_date_time = excluded.last_failed_date_time`, [tenantId, jobId, e.sourceId, e.objectType, JSON.stringify(e.error), now, now]);
  }
}

export function removeEscrows(db: SqliteDatabase, tenantId: string, jobId: string, sourceIds: readonly string[] | 'all'): number {
  if (sourceIds === 'all') return run(db, 'DELETE FROM directory_escrows WHERE tenant_id = ? AND job_id = ?', [tenantId, jobId]);
  let removed = 0;
  for (let i = 0; i < sourceIds.length; i += 500) {
    const chunk = sourceIds.slice(i, i + 500);
    removed += run(db, `DELETE FROM directory_escrows WHERE tenant_id = ? AND job_id = ? AND source_id IN (${placeholders(chunk.length)})`, [tenantId, jobId, ...chunk]);
  }
  return removed;
}

interface EscrowRow { job_id: string; source_id: string; object_type: string; error: string; attempts: number; first_failed_date_time: string; last_failed_date_time: string }

export function listEscrows(db: SqliteDatabase, tenantId: string, jobId: string, page: PageRequest): Page<Escrow> {
  const limit = Math.max(1, Math.min(1000, page.limit));
  const params: unknown[] = [tenantId, jobId];
  let sql = 'SELECT * FROM directory_escrows WHERE tenant_id = ? AND job_id = ?';
  if (page.cursor !== undefined) {
    sql += ' AND source_id > ?';
    params.push(page.cursor);
  }
  const rows = all<EscrowRow>(db, `${sql} ORDER BY source_id LIMIT ?`, [...params, limit + 1]);
  const items = rows.slice(0, limit).map((row): Escrow => ({
    jobId: row.job_id,
    sourceId: row.source_id,
    objectType: row.object_type,
    error: JSON.parse(row.error),
    attempts: row.attempts,
    firstFailedDateTime: row.first_failed_date_time,
    lastFailedDateTime: row.last_failed_date_time,
  }));
  return rows.length > limit ? { items, cursor: items[limit - 1]!.sourceId } : { items };
}

export function countEscrows(db: SqliteDatabase, tenantId: string, jobId: string): number {
  return get<{ n: number }>(db, 'SELECT count(*) AS n FROM directory_escrows WHERE tenant_id = ? AND job_id = ?', [tenantId, jobId])!.n;
}
