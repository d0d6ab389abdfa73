/**
 * SourceStateStore over Postgres: on the pool for committed reads, on a transaction's
 * connection for writes that commit with the directory's (sqlite/source-state.ts is the
 * SQLite side). Batches go in as arrays: one statement per call.
 */
import type { Queryable } from '../../directory/postgres/connect.ts';
import { normalizeDn } from '../../core/dn.ts';
import type { SourceObjectState, SourceStateStore, StagedDelete } from '../ports.ts';

interface Row {
  object_guid: string; anchor: string; object_type: 'user' | 'group'; target_id: string | null;
  dn: string; dn_normalized: string; state: SourceObjectState['state']; pending_manager: string | null;
  staged_delete?: string | null; staged_at?: string | null;
}

const stateOf = (row: Row): SourceObjectState => ({
  objectGuid: row.object_guid,
  anchor: row.anchor,
  objectType: row.object_type,
  targetId: row.target_id,
  dn: row.dn,
  state: row.state,
  pendingManager: row.pending_manager,
});

/** The last state of each object wins, as with SQLite's row-by-row upsert (ON CONFLICT may not touch a row twice). */
function lastPerGuid(states: readonly SourceObjectState[]): SourceObjectState[] {
  const byGuid = new Map<string, SourceObjectState>();
  for (const s of states) byGuid.set(s.objectGuid.toLowerCase(), s);
  return [...byGuid.values()];
}

export function createPostgresSourceState(db: Queryable): SourceStateStore {
  return {
    async byObjectGuids(tenantId, jobId, objectGuids) {
      const unique = [...new Set(objectGuids.map((g) => g.toLowerCase()))];
      if (unique.length === 0) return new Map();
      const { rows } = await db.query<Row>('SELECT * FROM engine_source_objects WHERE tenant_id = $1 AND job_id = $2 AND object_guid = ANY($3)', [tenantId, jobId, unique]);
      return new Map(rows.map((row) => [row.object_guid, stateOf(row)]));
    },
    async byDns(tenantId, jobId, normalizedDns) {
      const unique = [...new Set(normalizedDns)];
      if (unique.length === 0) return new Map();
      const { rows } = await db.query<Row>(`SELECT * FROM engine_source_objects WHERE tenant_id = $1 AND job_id = $2 AND state = 'synced'
        AND dn_normalized = ANY($3)`, [tenantId, jobId, unique]);
      return new Map(rows.map((row) => [row.dn_normalized, stateOf(row)]));
    },
    async put(tenantId, jobId, states) {
      const list = lastPerGuid(states);
      if (list.length === 0) return;
      await db.query(`INSERT INTO engine_source_objects
          (tenant_id, job_id, object_guid, anchor, object_type, target_id, dn, dn_normalized, state, pending_manager)
        SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
        ON CONFLICT (tenant_id, job_id, object_guid) DO UPDATE SET anchor = excluded.anchor, object_type = excluded.object_type,
          target_id = excluded.target_id, dn = excluded.dn, dn_normalized = excluded.dn_normalized, state = excluded.state,
          pending_manager = excluded.pending_manager,
          staged_delete = CASE WHEN excluded.state = 'synced' THEN engine_source_objects.staged_delete END,
          staged_at = CASE WHEN excluded.state = 'synced' THEN engine_source_objects.staged_at END`, [
        tenantId, jobId,
        list.map((s) => s.objectGuid.toLowerCase()), list.map((s) => s.anchor), list.map((s) => s.objectType), list.map((s) => s.targetId),
        list.map((s) => s.dn), list.map((s) => normalizeDn(s.dn)), list.map((s) => s.state), list.map((s) => s.pendingManager),
      ]);
    },
    async withPendingManager(tenantId, jobId, after, limit) {
      const { rows } = await db.query<Row>(`SELECT * FROM engine_source_objects WHERE tenant_id = $1 AND job_id = $2 AND pending_manager IS NOT NULL
        AND object_guid > $3 ORDER BY object_guid LIMIT $4`, [tenantId, jobId, after ?? '', limit]);
      return rows.map(stateOf);
    },
    async countSynced(tenantId, jobId) {
      const { rows } = await db.query<{ object_type: 'user' | 'group'; n: string }>(`SELECT object_type, count(*) AS n FROM engine_source_objects
        WHERE tenant_id = $1 AND job_id = $2 AND state = 'synced' GROUP BY object_type`, [tenantId, jobId]);
      const counts = { user: 0, group: 0 };
      for (const row of rows) counts[row.object_type] = Number(row.n);
      return counts;
    },
    async markSeen(tenantId, jobId, objectGuids, token) {
      if (objectGuids.length === 0) return;
      await db.query('UPDATE engine_source_objects SET seen_token = $1 WHERE tenant_id = $2 AND job_id = $3 AND object_guid = ANY($4)',
        [token, tenantId, jobId, objectGuids.map((g) => g.toLowerCase())]);
    },
    async unseen(tenantId, jobId, token, after, limit) {
      const { rows } = await db.query<Row>(`SELECT * FROM engine_source_objects WHERE tenant_id = $1 AND job_id = $2 AND state = 'synced'
        AND seen_token IS DISTINCT FROM $3 AND object_guid > $4 ORDER BY object_guid LIMIT $5`, [tenantId, jobId, token, after ?? '', limit]);
      return rows.map(stateOf);
    },
    async getResetToken(tenantId, jobId) {
      const { rows } = await db.query<{ reset_token: string | null }>('SELECT reset_token FROM engine_jobs WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId]);
      return rows[0]?.reset_token ?? undefined;
    },
    async setResetToken(tenantId, jobId, token) {
      await db.query(`INSERT INTO engine_jobs (tenant_id, job_id, reset_token) VALUES ($1, $2, $3)
        ON CONFLICT (tenant_id, job_id) DO UPDATE SET reset_token = excluded.reset_token`, [tenantId, jobId, token]);
    },
    async stageDeletes(tenantId, jobId, staged, at) {
      if (staged.length === 0) return;
      await db.query(`UPDATE engine_source_objects o SET staged_delete = s.reason, staged_at = COALESCE(o.staged_at, $3)
        FROM unnest($4::text[], $5::text[]) AS s(guid, reason)
        WHERE o.tenant_id = $1 AND o.job_id = $2 AND o.object_guid = s.guid`,
      [tenantId, jobId, at, staged.map((s) => s.objectGuid.toLowerCase()), staged.map((s) => s.reason)]);
    },
    async unstageDeletes(tenantId, jobId, objectGuids) {
      if (objectGuids.length === 0) return;
      await db.query(`UPDATE engine_source_objects SET staged_delete = NULL, staged_at = NULL WHERE tenant_id = $1 AND job_id = $2
        AND object_guid = ANY($3) AND staged_delete IS NOT NULL`, [tenantId, jobId, objectGuids.map((g) => g.toLowerCase())]);
    },
    async stagedDeletes(tenantId, jobId, after, limit) {
      const { rows } = await db.query<Row>(`SELECT * FROM engine_source_objects WHERE tenant_id = $1 AND job_id = $2 AND staged_delete IS NOT NULL
        AND object_guid > $3 ORDER BY object_guid LIMIT $4`, [tenantId, jobId, after ?? '', limit]);
      return rows.map((row): StagedDelete => ({ ...stateOf(row), stagedReason: row.staged_delete!, stagedAt: row.staged_at! }));
    },
    async countStagedDeletes(tenantId, jobId) {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM engine_source_objects WHERE tenant_id = $1 AND job_id = $2 AND staged_delete IS NOT NULL', [tenantId, jobId]);
      return Number(rows[0]?.n ?? 0);
    },
    async getForceDeletes(tenantId, jobId) {
      const { rows } = await db.query<{ force_deletes: boolean }>('SELECT force_deletes FROM engine_jobs WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId]);
      return rows[0]?.force_deletes === true;
    },
    async setForceDeletes(tenantId, jobId, force) {
      await db.query(`INSERT INTO engine_jobs (tenant_id, job_id, force_deletes) VALUES ($1, $2, $3)
        ON CONFLICT (tenant_id, job_id) DO UPDATE SET force_deletes = excluded.force_deletes`, [tenantId, jobId, force]);
    },
    async clear(tenantId, jobId) {
      await db.query('DELETE FROM engine_source_objects WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId]);
      await db.query('DELETE FROM engine_jobs WHERE tenant_id = $1 AND job_id = $2', [tenantId, jobId]);
    },
  };
}
