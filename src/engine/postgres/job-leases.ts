/**
 * Job leases with a fencing token, in Postgres, so that one node at a time runs a job's
 * cycle across the `canopy serve` nodes of an installation (Kleppmann, "How to do
 * distributed locking": a lease alone is not enough, the store must refuse a late writer).
 *
 * - acquire: takes the lease when it is free or expired, and bumps its token. Expiry is
 *   the database's clock (now()), so node clocks do not matter. A lease row is never
 *   deleted: tokens only grow, and an old token never becomes valid again.
 * - renew: extends the lease while the token is still the holder's; false once lost.
 * - fence: run inside a page's transaction before its writes. It reads the lease row FOR
 *   SHARE and requires the token: a node whose lease was taken over is refused
 *   (ERR_ENGINE_LEASE_LOST, the transaction rolls back), and a takeover (an UPDATE of that
 *   row) waits for a page transaction in flight to commit, so the new holder reads the
 *   watermark that page committed. No page is applied by two nodes.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CanopyError } from '../../core/errors.ts';
import type { PostgresMigration, Queryable } from '../../directory/postgres/connect.ts';

export const LEASE_POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    id: 'engine-lease-001-job-leases',
    sql: `CREATE TABLE engine_job_leases (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  holder TEXT NOT NULL,
  token BIGINT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (tenant_id, job_id)
);`,
  },
];

export interface JobLease {
  readonly tenantId: string;
  readonly jobId: string;
  readonly holder: string;
  readonly token: number;
}

export interface JobLeases {
  /** The lease when this holder got it; undefined while another holder's lease is live. */
  acquire(tenantId: string, jobId: string, holder: string, ttlMs: number): Promise<JobLease | undefined>;
  renew(lease: JobLease, ttlMs: number): Promise<boolean>;
  /** Lets the lease go at once (its token stays spent). */
  release(lease: JobLease): Promise<void>;
}

export function createPostgresJobLeases(db: Queryable): JobLeases {
  return {
    async acquire(tenantId, jobId, holder, ttlMs) {
      const { rows } = await db.query<{ token: string }>(`INSERT INTO engine_job_leases AS l (tenant_id, job_id, holder, token, expires_at)
        VALUES ($1, $2, $3, 1, now() + $4 * interval '1 millisecond')
        ON CONFLICT (tenant_id, job_id) DO UPDATE SET holder = excluded.holder, token = l.token + 1, expires_at = excluded.expires_at
        WHERE l.expires_at <= now()
        RETURNING token`, [tenantId, jobId, holder, ttlMs]);
      return rows[0] ? { tenantId, jobId, holder, token: Number(rows[0].token) } : undefined;
    },
    async renew(lease, ttlMs) {
      const result = await db.query(`UPDATE engine_job_leases SET expires_at = now() + $5 * interval '1 millisecond'
        WHERE tenant_id = $1 AND job_id = $2 AND holder = $3 AND token = $4`, [lease.tenantId, lease.jobId, lease.holder, lease.token, ttlMs]);
      return result.rowCount === 1;
    },
    async release(lease) {
      await db.query('UPDATE engine_job_leases SET expires_at = now() WHERE tenant_id = $1 AND job_id = $2 AND token = $3', [lease.tenantId, lease.jobId, lease.token]);
    },
  };
}

/** The check a page transaction runs first, on its own connection (see the file's comment). */
export async function checkFence(tx: Queryable, lease: JobLease): Promise<void> {
  const { rows } = await tx.query<{ token: string }>('SELECT token FROM engine_job_leases WHERE tenant_id = $1 AND job_id = $2 FOR SHARE', [lease.tenantId, lease.jobId]);
  const current = rows[0] ? Number(rows[0].token) : undefined;
  if (current !== lease.token) {
    throw new CanopyError('ERR_ENGINE_LEASE_LOST', `the lease of job ${lease.tenantId}/${lease.jobId} passed to another node (token ${current ?? 'none'}, this node holds ${lease.token}): write refused`);
  }
}

const held = new AsyncLocalStorage<JobLease>();

/**
 * Runs a job's cycle under its lease: every page transaction the cycle opens on the
 * Postgres sync store checks this lease first (createPostgresSyncStore). AsyncLocalStorage
 * carries the lease to the store without threading it through the engine's every call.
 */
export function runUnderLease<T>(lease: JobLease, work: () => Promise<T>): Promise<T> {
  return held.run(lease, work);
}

export function currentLease(): JobLease | undefined {
  return held.getStore();
}
