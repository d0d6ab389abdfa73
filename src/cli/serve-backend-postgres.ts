/** `canopy serve --store postgres://…`: the backend of several nodes sharing one Postgres (serve-backend.ts). */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { loadOrCreateSharedSigningKey } from '../api/auth/postgres-keys.ts';
import { CanopyError } from '../core/errors.ts';
import { openPostgresDirectoryStore } from '../directory/postgres/store.ts';
import { createPostgresSyncStore } from '../engine/postgres/sync-store.ts';
import { createPostgresJobLeases } from '../engine/postgres/job-leases.ts';
import { createLeaseRunner, DEFAULT_LEASE_TTL_MS } from '../engine/postgres/lease-runner.ts';
import { PostgresAgentRegistry } from '../relay/postgres-registry.ts';
import { PostgresIdentityStore } from '../identity/postgres-identity-store.ts';
import type { ServiceBackend } from './serve-backend.ts';
import type { SecretBox } from '../directory/secret-box.ts';

/** CANOPY_LEASE_TTL_MS: how soon another node takes over the jobs of a dead one (default 30 s). */
function leaseTtlMs(): number {
  const value = process.env.CANOPY_LEASE_TTL_MS;
  if (value === undefined) return DEFAULT_LEASE_TTL_MS;
  if (!/^\d+$/.test(value) || Number(value) < 1000) throw new CanopyError('ERR_CONFIG_INVALID', `CANOPY_LEASE_TTL_MS: expected milliseconds, at least 1000, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** An arbitrary constant: the advisory lock held while one node bootstraps the installation. */
const BOOTSTRAP_LOCK = 0x63616e31;

export async function openPostgresBackend(url: string, secretBox: SecretBox): Promise<ServiceBackend> {
  const store = await openPostgresDirectoryStore(url, { secretBox });
  try {
    const syncStore = await createPostgresSyncStore(store);
    const registry = await PostgresAgentRegistry.open(store.pool);
    const signingKey = await loadOrCreateSharedSigningKey(store.pool);
    const identity = await PostgresIdentityStore.open(store.pool);
    return {
      identity,
      kind: 'postgres',
      store,
      syncStore,
      registry,
      signingKey,
      exclusive: createLeaseRunner(createPostgresJobLeases(store.pool), `${hostname()}:${process.pid}:${randomUUID()}`, leaseTtlMs()),
      async once(work) {
        // A session lock on one connection, held across the work's own transactions: two
        // nodes starting on an empty database create one tenant, not two.
        const client: pg.PoolClient = await store.pool.connect();
        try {
          await client.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK]);
          try {
            return await work();
          } finally {
            await client.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK]);
          }
        } finally {
          client.release();
        }
      },
      async close() {
        await syncStore.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
