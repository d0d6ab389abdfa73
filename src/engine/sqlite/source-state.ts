/**
 * SourceStateStore over SQLite. It runs on the same connection as the directory store, so
 * that inside the directory's transaction its writes join it (one commit for both).
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../../directory/sqlite/open-database.ts';
import { normalizeDn } from '../../core/dn.ts';
import { statement } from '../../directory/sqlite/sql.ts';
import type { SourceObjectState, SourceStateStore, StagedDelete } from '../ports.ts';

interface Row {
  object_guid: string; anchor: string; object_type: 'user' | 'group'; target_id: string | null;
  dn: string; dn_normalized: string; state: SourceObjectState['state']; pending_manager: string | null;
  staged_delete?: string | null; staged_at?: string | null;
}

const CHUNK = 500;

const stateOf = (row: Row): SourceObjectState => ({
  objectGuid: row.object_guid,
  anchor: row.anchor,
  objectType: row.object_type,
  targetId: row.target_id,
  dn: row.dn,
  state: row.state,
  pendingManager: row.pending_manager,
});

export function createSqliteSourceState(db: SqliteDatabase): SourceStateStore {
  // The directory's bounded statement cache (one per connection).
  const prepare = (sql: string): Statement => statement(db, sql);
  const inChunks = (sqlFor: (n: number) => string, fixed: unknown[], keys: readonly string[]): Row[] => {
    const rows: Row[] = [];
    for (let i = 0; i < keys.length; i += CHUNK) {
      const chunk = keys.slice(i, i + CHUNK);
      rows.push(...(prepare(sqlFor(chunk.length)).all(...fixed, ...chunk) as Row[]));
    }
    return rows;
  };
  const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

  return {
    async byObjectGuids(tenantId, jobId, objectGuids) {
      const unique = [...new Set(objectGuids.map((g) => g.toLowerCase()))];
      const rows = inChunks((n) => `SELECT * FROM engine_source_objects WHERE tenant_id = ? AND job_id = ? AND object_guid IN (${marks(n)})`, [tenantId, jobId], unique);
      return new Map(rows.map((row) => [row.object_guid, stateOf(row)]));
    },
    async byDns(tenantId, jobId, normalizedDns) {
      const unique = [...new Set(normalizedDns)];
      const rows = inChunks(
        // INDEXED BY: without it SQLite planned this on the primary key's (tenant_id, job_id)
        // prefix and scanned every object of the job for each page (EXPLAIN QUERY PLAN).
        (n) => `SELECT * FROM engine_source_objects INDEXED BY engine_source_objects_dn
          WHERE tenant_id = ? AND job_id = ? AND state = 'synced' AND dn_normalized IN (${marks(n)})`,
        [tenantId, jobId],
        unique,
      );
      return new Map(rows.map((row) => [row.dn_normalized, stateOf(row)]));
    },
    async put(tenantId, jobId, states) {
      const upsert = prepare(`INSERT INTO engine_source_objects
          (tenant_id, job_id, object_guid, anchor, object_type, target_id, dn, dn_normalized, state, pending_manager)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant_id, job_id, object_guid) DO UPDATE SET anchor = excluded.anchor, object_type = excluded.object_type,
          target_id = excluded.target_id, dn = excluded.dn, dn_normalized = excluded.dn_normalized, state = excluded.state,
          pending_manager = excluded.pending_manager,
          staged_delete = CASE WHEN excluded.state = 'synced' THEN engine_source_objects.staged_delete END,
          staged_at = CASE WHEN excluded.state = 'synced' THEN engine_source_objects.staged_at END`);
      for (const s of states) {
        upsert.run(tenantId, jobId, s.objectGuid.toLowerCase(), s.anchor, s.objectType, s.targetId, s.dn, normalizeDn(s.dn), s.state, s.pendingManager);
      }
    },
    async withPendingManager(tenantId, jobId, after, limit) {
      const rows = prepare(`SELECT * FROM engine_source_objects WHERE tenant_id = ? AND job_id = ? AND pending_manager IS NOT NULL
          AND object_guid > ? ORDER BY object_guid LIMIT ?`).all(tenantId, jobId, after ?? '', limit) as Row[];
      return rows.map(stateOf);
    },
    async countSynced(tenantId, jobId) {
      const rows = prepare(`SELECT object_type, count(*) AS n FROM engine_source_objects WHERE tenant_id = ? AND job_id = ? AND state = 'synced'
          GROUP BY object_type`).all(tenantId, jobId) as { object_type: 'user' | 'group'; n: number }[];
      const counts = { user: 0, group: 0 };
      for (const row of rows) counts[row.object_type] = row.n;
      return counts;
    },
    async markSeen(tenantId, jobId, objectGuids, token) {
      // One statement per page: the GUIDs as a JSON array, each an index search on the key.
      const mark = prepare(`UPDATE engine_source_objects SET seen_token = ? WHERE tenant_id = ? AND job_id = ?
          AND object_guid IN (SELECT value FROM json_each(?))`);
      if (objectGuids.length > 0) mark.run(token, tenantId, jobId, JSON.stringify(objectGuids.map((g) => g.toLowerCase())));
    },
    async unseen(tenantId, jobId, token, after, limit) {
      const rows = prepare(`SELECT * FROM engine_source_objects WHERE tenant_id = ? AND job_id = ? AND state = 'synced'
          AND (seen_token IS NULL OR seen_token <> ?) AND object_guid > ? ORDER BY object_guid LIMIT ?`).all(tenantId, jobId, token, after ?? '', limit) as Row[];
      return rows.map(stateOf);
    },
    async getResetToken(tenantId, jobId) {
      const row = prepare('SELECT reset_token FROM engine_jobs WHERE tenant_id = ? AND job_id = ?').get(tenantId, jobId) as { reset_token: string | null } | undefined;
      return row?.reset_token ?? undefined;
    },
    async setResetToken(tenantId, jobId, token) {
      prepare(`INSERT INTO engine_jobs (tenant_id, job_id, reset_token) VALUES (?, ?, ?)
          ON CONFLICT (tenant_id, job_id) DO UPDATE SET reset_token = excluded.reset_token`).run(tenantId, jobId, token);
    },
    async stageDeletes(tenantId, jobId, staged, at) {
      const stage = prepare(`UPDATE engine_source_objects SET staged_delete = ?, staged_at = COALESCE(staged_at, ?)
          WHERE tenant_id = ? AND job_id = ? AND object_guid = ?`);
      for (const s of staged) stage.run(s.reason, at, tenantId, jobId, s.objectGuid.toLowerCase());
    },
    async unstageDeletes(tenantId, jobId, objectGuids) {
      if (objectGuids.length === 0) return;
      prepare(`UPDATE engine_source_objects SET staged_delete = NULL, staged_at = NULL WHERE tenant_id = ? AND job_id = ?
          AND object_guid IN (SELECT value FROM json_each(?)) AND staged_delete IS NOT NULL`)
        .run(tenantId, jobId, JSON.stringify(objectGuids.map((g) => g.toLowerCase())));
    },
    async stagedDeletes(tenantId, jobId, after, limit) {
      const rows = prepare(`SELECT * FROM engine_source_objects WHERE tenant_id = ? AND job_id = ? AND staged_delete IS NOT NULL
          AND object_guid > ? ORDER BY object_guid LIMIT ?`).all(tenantId, jobId, after ?? '', limit) as Row[];
      return rows.map((row): StagedDelete => ({ ...stateOf(row), stagedReason: row.staged_delete!, stagedAt: row.staged_at! }));
    },
    async countStagedDeletes(tenantId, jobId) {
      const row = prepare('SELECT count(*) AS n FROM engine_source_objects WHERE tenant_id = ? AND job_id = ? AND staged_delete IS NOT NULL').get(tenantId, jobId) as { n: number };
      return row.n;
    },
    async getForceDeletes(tenantId, jobId) {
      const row = prepare('SELECT force_deletes FROM engine_jobs WHERE tenant_id = ? AND job_id = ?').get(tenantId, jobId) as { force_deletes: number } | undefined;
      return row?.force_deletes === 1;
    },
    async setForceDeletes(tenantId, jobId, force) {
      prepare(`INSERT INTO engine_jobs (tenant_id, job_id, force_deletes) VALUES (?, ?, ?)
          ON CONFLICT (tenant_id, job_id) DO UPDATE SET force_deletes = excluded.force_deletes`).run(tenantId, jobId, force ? 1 : 0);
    },
    async clear(tenantId, jobId) {
      prepare('DELETE FROM engine_source_objects WHERE tenant_id = ? AND job_id = ?').run(tenantId, jobId);
      prepare('DELETE FROM engine_jobs WHERE tenant_id = ? AND job_id = ?').run(tenantId, jobId);
    },
  };
}
