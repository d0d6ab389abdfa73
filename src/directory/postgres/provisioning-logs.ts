/** Provisioning logs, newest first, keyset-paged on the insertion sequence. */
import type { ProvisioningObjectSummary } from '../types.ts';
import type { Page, ProvisioningLogQuery } from '../store.ts';
import type { Queryable } from './connect.ts';
import { bind } from './sql.ts';

/** One multi-row INSERT per call (the body as jsonb; unnest keeps the parameter count at six). */
export async function appendLogs(db: Queryable, tenantId: string, entries: readonly ProvisioningObjectSummary[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(`INSERT INTO directory_provisioning_logs (tenant_id, id, activity_date_time, job_id, cycle_id, source_id, body)
    SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])`, [
    tenantId,
    entries.map((e) => e.id),
    entries.map((e) => e.activityDateTime),
    entries.map((e) => e.jobId),
    entries.map((e) => e.cycleId),
    entries.map((e) => e.sourceIdentity.id),
    entries.map((e) => JSON.stringify({ ...e, tenantId })),
  ]);
}

export async function listLogs(db: Queryable, tenantId: string, query: ProvisioningLogQuery): Promise<Page<ProvisioningObjectSummary>> {
  const limit = Math.max(1, Math.min(1000, query.limit));
  const params: unknown[] = [tenantId];
  let sql = 'SELECT seq, body FROM directory_provisioning_logs WHERE tenant_id = $1';
  for (const [column, value] of [['job_id', query.jobId], ['cycle_id', query.cycleId], ['source_id', query.sourceId]] as const) {
    if (value !== undefined) sql += ` AND ${column} = ${bind(params, value)}`;
  }
  if (query.cursor !== undefined) {
    if (!/^\d+$/.test(query.cursor)) throw new TypeError(`cursor: not a provisioning log cursor: ${JSON.stringify(query.cursor)}`);
    sql += ` AND seq < ${bind(params, query.cursor)}`;
  }
  const { rows } = await db.query<{ seq: string; body: ProvisioningObjectSummary }>(`${sql} ORDER BY seq DESC LIMIT ${bind(params, limit + 1)}`, params);
  const items = rows.slice(0, limit).map((row) => row.body);
  return rows.length > limit ? { items, cursor: String(rows[limit - 1]!.seq) } : { items };
}

export async function purgeLogs(db: Queryable, tenantId: string, before: string): Promise<number> {
  return (await db.query('DELETE FROM directory_provisioning_logs WHERE tenant_id = $1 AND activity_date_time < $2', [tenantId, before])).rowCount ?? 0;
}
