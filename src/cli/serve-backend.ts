/**
 * Where `canopy serve` keeps its state, picked once at start-up (the composition root):
 * SQLite in the data folder (the default, one node), or Postgres (`--store postgres://…`,
 * several nodes sharing the directory, the engine's state, the agents' registry and the
 * token signing key). Everything past this file sees the interfaces only.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import type pg from 'pg';
import { loadOrCreateSigningKey, type SigningKey } from '../api/auth/keys.ts';
import { loadOrCreateSharedSigningKey } from '../api/auth/postgres-keys.ts';
import { CanopyError } from '../core/errors.ts';
import { openPostgresDirectoryStore } from '../directory/postgres/store.ts';
import { directoryDatabasePath, openSqliteDirectoryStore, sqliteWriterOf } from '../directory/sqlite/store.ts';
import { join } from 'node:path';
import { createSecretBox, loadOrCreateSecretsKey } from '../directory/secret-box.ts';

/** The default file of the key sealing sync secrets, in the data folder. */
export const SECRETS_KEY_FILE = 'sync-secrets.key';
import type { DirectoryStore } from '../directory/store.ts';
import { createPostgresSyncStore } from '../engine/postgres/sync-store.ts';
import type { SyncStore } from '../engine/ports.ts';
import { createSqliteSyncStore } from '../engine/sqlite/sync-store.ts';
import { PostgresAgentRegistry } from '../relay/postgres-registry.ts';
import type { AgentRegistry } from '../relay/registry.ts';
import { SqliteAgentRegistry } from '../relay/sqlite-registry.ts';
import type { ExclusiveRunner } from '../engine/engine.ts';
import { createPostgresJobLeases } from '../engine/postgres/job-leases.ts';
import { createLeaseRunner, DEFAULT_LEASE_TTL_MS } from '../engine/postgres/lease-runner.ts';

export interface ServiceBackend {
  /** 'sqlite' or 'postgres', for the ready line and status. */
  readonly kind: 'sqlite' | 'postgres';
  readonly store: DirectoryStore;
  readonly syncStore: SyncStore;
  readonly registry: AgentRegistry;
  readonly signingKey: SigningKey;
  /** Several nodes: a job's cycle runs only under its lease (absent for SQLite, one node). */
  readonly exclusive?: ExclusiveRunner;
  /** Runs `work` while no other node of the installation runs it (the first start's bootstrap). */
  once<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `--store`: absent for SQLite in the data folder, or a postgres:// URL. */
export async function openServiceBackend(options: { dataDir: string; store?: string; secretsKeyFile?: string }): Promise<ServiceBackend> {
  const url = options.store?.trim();
  if (url === undefined || url === '') return openSqliteBackend(options.dataDir, options.secretsKeyFile);
  if (/^postgres(ql)?:\/\//i.test(url)) {
    // The data folder still holds bootstrap.json on the node that bootstraps the installation.
    mkdirSync(options.dataDir, { recursive: true });
    return openPostgresBackend(url);
  }
  throw new CanopyError('ERR_CONFIG_INVALID', `--store: expected a postgres:// URL (or no --store for SQLite in the data folder), got ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))}`);
}

async function openSqliteBackend(dataDir: string, secretsKeyFile: string | undefined): Promise<ServiceBackend> {
  // The key sealing sync secrets lives in its own file (default DATA/sync-secrets.key, 0600;
  // --secrets-key-file puts it elsewhere) so that a copy of canopy.db alone opens nothing.
  const secretBox = createSecretBox(loadOrCreateSecretsKey(secretsKeyFile ?? join(dataDir, SECRETS_KEY_FILE)));
  const store = openSqliteDirectoryStore(directoryDatabasePath(dataDir), { secretBox });
  const syncStore = createSqliteSyncStore(store);
  return {
    kind: 'sqlite',
    store,
    syncStore,
    registry: new SqliteAgentRegistry(sqliteWriterOf(store)!),
    signingKey: await loadOrCreateSigningKey(dataDir),
    // One node: nothing to exclude.
    once: (work) => work(),
    async close() {
      await syncStore.close();
      await store.close();
    },
  };
}

/** CANOPY_LEASE_TTL_MS: how soon another node takes over the jobs of a dead one (default 30 s). */
function leaseTtlMs(): number {
  const value = process.env.CANOPY_LEASE_TTL_MS;
  if (value === undefined) return DEFAULT_LEASE_TTL_MS;
  if (!/^\d+$/.test(value) || Number(value) < 1000) throw new CanopyError('ERR_CONFIG_INVALID', `CANOPY_LEASE_TTL_MS: expected milliseconds, at least 1000, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** An arbitrary constant: the advisory lock held while one node bootstraps the installation. */
const BOOTSTRAP_LOCK = 0x63616e31;

async function openPostgresBackend(url: string): Promise<ServiceBackend> {
  const store = await openPostgresDirectoryStore(url);
  try {
    const syncStore = await createPostgresSyncStore(store);
    const registry = await PostgresAgentRegistry.open(store.pool);
    const signingKey = await loadOrCreateSharedSigningKey(store.pool);
    return {
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
