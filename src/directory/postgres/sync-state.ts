/** Synchronization jobs, their secrets, watermarks and escrows. */
import type { Escrow, EscrowInput, JsonValue, KeyValue, SynchronizationJob } from '../types.ts';
import type { Page, PageRequest } from '../store.ts';
import type { Queryable } from './connect.ts';
import { bind, countOf } from './sql.ts';
import { CanopyError } from '../../core/errors.ts';
import { plainOf, secretContext, type SecretBox } from '../secret-box.ts';

interface JobRow {
  tenant_id: string; id: string; template_id: string; service_principal_id: string;
  schedule: SynchronizationJob['schedule']; status: SynchronizationJob['status'];
  settings: SynchronizationJob['synchronizationJobSettings']; schema_json: JsonValue | null; created_date_time: string;
}

const jobOf = (row: JobRow): SynchronizationJob => ({
  tenantId: row.tenant_id,
  id: row.id,
  templateId: row.template_id,
  servicePrincipalId: row.service_principal_id,
  schedule: row.schedule,
  status: row.status,
  synchronizationJobSettings: row.settings,
  schema: row.schema_json,
  createdDateTime: row.created_date_time,
});

export async function getJob(db: Queryable, tenantId: string, jobId: string): Promise<SynchronizationJob | undefined> {
  const { rows } = await db.query<JobRow>('SELECT * FROM directory_sync_jobs WHERE tenant_id = $1 AND id = $2', [tenantId, jobId]);
  return rows[0] ? jobOf(rows[0]) : undefined;
}

export async function listJobs(db: Queryable, tenantId: string | undefined, servicePrincipalId?: string): Promise<SynchronizationJob[]> {
  if (tenantId === undefined) return (await db.query<JobRow>('SELECT * FROM directory_sync_jobs ORDER BY tenant_id, id')).rows.map(jobOf);
  if (servicePrincipalId === undefined) return (await db.query<JobRow>('SELECT * FROM directory_sync_jobs WHERE tenant_id = $1 ORDER BY id', [tenantId])).rows.map(jobOf);
  return (await db.query<JobRow>('SELECT * FROM directory_sync_jobs WHERE tenant_id = $1 AND service_principal_id = $2 ORDER BY id', [tenantId, servicePrincipalId])).rows.map(jobOf);
}

export async function putJob(db: Queryable, job: SynchronizationJob): Promise<void> {
  await db.query(`INSERT INTO directory_sync_jobs (tenant_id, id, template_id, service_principal_id, schedule, status, settings, schema_json, created_date_time)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (tenant_id, id) DO UPDATE SET template_id = excluded.template_id, service_principal_id = excluded.service_principal_id,
      schedule = excluded.schedule, status = excluded.status, settings = excluded.settings, schema_json = excluded.schema_json`, [
    job.tenantId, job.id, job.templateId, job.servicePrincipalId, JSON.stringify(job.schedule), JSON.stringify(job.status),
    JSON.stringify(job.synchronizationJobSettings), job.schema === null ? null : JSON.stringify(job.schema), job.createdDateTime,
  ]);
}

export async function deleteJob(db: Queryable, tenantId: string, jobId: string): Promise<boolean> {
  await db.query('DELETE FROM directory_watermarks WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId]);
  await db.query('DELETE FROM directory_escrows WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId]);
  await db.query('DELETE FROM directory_password_hash_pending WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId]);
  return ((await db.query('DELETE FROM directory_sync_jobs WHERE tenant_id = $1 AND id = $2', [tenantId, jobId])).rowCount ?? 0) > 0;
}

/** Without a box (tests of the store alone) values are kept as given; with one, sealed as in SQLite (secret-box.ts). */
export async function getSecrets(db: Queryable, tenantId: string, servicePrincipalId: string, box?: SecretBox): Promise<KeyValue[]> {
  const rows = (await db.query<KeyValue>('SELECT key, value FROM directory_sync_secrets WHERE tenant_id = $1 AND service_principal_id = $2 ORDER BY key', [tenantId, servicePrincipalId])).rows;
  if (!box) return rows;
  return rows.map((row) => ({ key: row.key, value: box.isSealed(row.value) ? box.open(row.value, secretContext(tenantId, servicePrincipalId, row.key)) : row.value }));
}

export async function putSecrets(db: Queryable, tenantId: string, servicePrincipalId: string, secrets: readonly KeyValue[], box?: SecretBox): Promise<void> {
  for (const s of secrets) {
    const value = box ? box.seal(s.value, secretContext(tenantId, servicePrincipalId, s.key)) : s.value;
    await db.query(`INSERT INTO directory_sync_secrets (tenant_id, service_principal_id, key, value) VALUES ($1, $2, $3, $4)
      ON CONFLICT (tenant_id, service_principal_id, key) DO UPDATE SET value = excluded.value`, [tenantId, servicePrincipalId, s.key, value]);
  }
}

/**
 * At start, with the node's key: seals the rows written in plain text (by an older version,
 * or a store opened without a box), and opens one sealed row to check that this node has the
 * installation's key. Several nodes share the database: a node started with another key would
 * fail every cycle's secrets, so it is refused at start instead, naming the cause.
 */
export async function sealPlainSecrets(db: Queryable, box: SecretBox): Promise<number> {
  const rows = (await db.query<{ tenant_id: string; service_principal_id: string; key: string; value: string }>(
    'SELECT tenant_id, service_principal_id, key, value FROM directory_sync_secrets')).rows;
  // One row that does not open is that row's problem (reported when it is read); none opening is the key's.
  const opens = (row: (typeof rows)[number]): boolean => {
    try {
      box.open(row.value, secretContext(row.tenant_id, row.service_principal_id, row.key));
      return true;
    } catch {
      return false;
    }
  };
  const sealed = rows.filter((row) => box.isSealed(row.value));
  if (sealed.length > 0 && !sealed.some(opens)) {
    throw new CanopyError('ERR_CONFIG_INVALID', 'the sync secrets key of this node opens none of the secrets in the database: every node of an installation needs the same key file (--secrets-key-file)');
  }
  let written = 0;
  for (const row of rows) {
    const context = secretContext(row.tenant_id, row.service_principal_id, row.key);
    const plain = plainOf(box, row.value, context);
    if (plain === undefined) continue;
    // Compare and set: two nodes starting at once seal a row once.
    await db.query('UPDATE directory_sync_secrets SET value = $1 WHERE tenant_id = $2 AND service_principal_id = $3 AND key = $4 AND value = $5',
      [box.seal(plain, context), row.tenant_id, row.service_principal_id, row.key, row.value]);
    written += 1;
  }
  return written;
}

export async function getWatermark(db: Queryable, tenantId: string, jobId: string): Promise<string | undefined> {
  return (await db.query<{ watermark: string }>('SELECT watermark FROM directory_watermarks WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId])).rows[0]?.watermark;
}

export async function setWatermark(db: Queryable, tenantId: string, jobId: string, watermark: string | null, now: string): Promise<void> {
  if (watermark === null) {
    await db.query('DELETE FROM directory_watermarks WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId]);
    return;
  }
  await db.query(`INSERT INTO directory_watermarks (tenant_id, job_id, watermark, updated_date_time) VALUES ($1, $2, $3, $4)
    ON CONFLICT (tenant_id, job_id) DO UPDATE SET watermark = excluded.watermark, updated_date_time = excluded.updated_date_time`, [tenantId, jobId, watermark, now]);
}

/** One row at a time: an escrow named twice in a batch counts two attempts, as in SQLite. */
export async function putEscrows(db: Queryable, tenantId: string, jobId: string, escrows: readonly EscrowInput[], now: string): Promise<void> {
  for (const e of escrows) {
    await db.query(`INSERT INTO directory_escrows AS e (tenant_id, job_id, source_id, object_type, error, attempts, first_failed_date_time, last_failed_date_time)
      VALUES ($1, $2, $3, $4, $5, 1, $6, $6)
      ON CONFLICT (tenant_id, job_id, source_id) DO UPDATE SET object_type = excluded.object_type, error = excluded.error,
        attempts = e.attempts + 1, last_failed_date_time = excluded.last_failed_date_time`, [tenantId, jobId, e.sourceId, e.objectType, JSON.stringify(e.error), now]);
  }
}

export async function removeEscrows(db: Queryable, tenantId: string, jobId: string, sourceIds: readonly string[] | 'all'): Promise<number> {
  const result = sourceIds === 'all'
    ? await db.query('DELETE FROM directory_escrows WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId])
    : await db.query('DELETE FROM directory_escrows WHERE tenant_id = $1 AND job_id = $2 AND source_id = ANY($3)', [tenantId, jobId, [...sourceIds]]);
  return result.rowCount ?? 0;
}

interface EscrowRow { job_id: string; source_id: string; object_type: string; error: JsonValue; attempts: number; first_failed_date_time: string; last_failed_date_time: string }

export async function listEscrows(db: Queryable, tenantId: string, jobId: string, page: PageRequest): Promise<Page<Escrow>> {
  const limit = Math.max(1, Math.min(1000, page.limit));
  const params: unknown[] = [tenantId, jobId];
  let sql = 'SELECT * FROM directory_escrows WHERE tenant_id = $1 AND job_id = $2';
  if (page.cursor !== undefined) sql += ` AND source_id > ${bind(params, page.cursor)}`;
  const { rows } = await db.query<EscrowRow>(`${sql} ORDER BY source_id LIMIT ${bind(params, limit + 1)}`, params);
  const items = rows.slice(0, limit).map((row): Escrow => ({
    jobId: row.job_id,
    sourceId: row.source_id,
    objectType: row.object_type,
    error: row.error,
    attempts: row.attempts,
    firstFailedDateTime: row.first_failed_date_time,
    lastFailedDateTime: row.last_failed_date_time,
  }));
  return rows.length > limit ? { items, cursor: items[limit - 1]!.sourceId } : { items };
}

export async function countEscrows(db: Queryable, tenantId: string, jobId: string): Promise<number> {
  return countOf((await db.query('SELECT count(*) AS n FROM directory_escrows WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId])).rows[0]);
}
