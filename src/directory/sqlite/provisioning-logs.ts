/** Provisioning logs, newest first, keyset-paged on the insertion sequence. */
import type { SqliteDatabase } from './open-database.ts';
import type { ProvisioningObjectSummary } from '../types.ts';
import type { Page, ProvisioningLogQuery } from '../store.ts';
import { all, run } from './sql.ts';

export function appendLogs(db: SqliteDatabase, tenantId: string, entries: readonly ProvisioningObjectSummary[]): void {
  for (const e of entries) {
    run(db, `INSERT INTO directory_provisioning_logs (tenant_id, id, activity_date_time, job_id, cycle_id, source_id, body)
      VALUES (?, ?, ?, ?, ?, ?, ?)`, [tenantId, e.id, e.activityDateTime, e.jobId, e.cycleId, e.sourceIdentity.id, JSON.stringify({ ...e, tenantId })]);
  }
}

export function listLogs(db: SqliteDatabase, tenantId: string, query: ProvisioningLogQuery): Page<ProvisioningObjectSummary> {
  const limit = Math.max(1, Math.min(1000, query.limit));
  const params: unknown[] = [tenantId];
  let sql = 'SELECT seq, body FROM directory_provisioning_logs WHERE tenant_id = ?';
  for (const [column, value] of [['job_id', query.jobId], ['cycle_id', query.cycleId], ['source_id', query.sourceId]] as const) {
    if (value === undefined) continue;
    sql += ` AND ${column} = ?`;
    params.push(value);
  }
  if (query.cursor !== undefined) {
    sql += ' AND seq < ?';
    params.push(Number(query.cursor));
  }
  const rows = all<{ seq: number; body: string }>(db, `${sql} ORDER BY seq DESC LIMIT ?`, [...params, limit + 1]);
  const items = rows.slice(0, limit).map((row) => JSON.parse(row.body) as ProvisioningObjectSummary);
  return rows.length > limit ? { items, cursor: String(rows[limit - 1]!.seq) } : { items };
}

export function purgeLogs(db: SqliteDatabase, tenantId: string, before: string): number {
  return run(db, 'DELETE FROM directory_provisioning_logs WHERE tenant_id = ? AND activity_date_time < ?', [tenantId, before]);
}
