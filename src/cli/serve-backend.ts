/**
 * Where `canopy serve` keeps its state, picked once at start-up (the composition root):
 * SQLite in the data folder (the default, one node), or Postgres (`--store postgres://…`,
 * several nodes sharing the directory, the engine's state, the agents' registry and the
 * token signing key). Everything past this file sees the interfaces only.
 */
import { mkdirSync } from 'node:fs';
import { loadOrCreateSigningKey, type SigningKey } from '../api/auth/keys.ts';
import { CanopyError } from '../core/errors.ts';
import { directoryDatabasePath, openSqliteDirectoryStore, sqliteWriterOf } from '../directory/sqlite/store.ts';
import { join } from 'node:path';
import { createSecretBox, loadOrCreateSecretsKey, readSecretsKey, type SecretBox } from '../directory/secret-box.ts';
import { DEFAULT_READ_WORKERS } from '../directory/sqlite/read-pool.ts';

/** The default file of the key sealing sync secrets, in the data folder. */
export const SECRETS_KEY_FILE = 'sync-secrets.key';
import type { DirectoryStore } from '../directory/store.ts';
import type { SyncStore } from '../engine/ports.ts';
import { createSqliteSyncStore } from '../engine/sqlite/sync-store.ts';
import type { AgentRegistry } from '../relay/registry.ts';
import { SqliteAgentRegistry } from '../relay/sqlite-registry.ts';
import type { IdentityStore } from '../identity/identity-store.ts';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';
import type { ExclusiveRunner } from '../engine/engine.ts';

export interface ServiceBackend {
  /** 'sqlite' or 'postgres', for the ready line and status. */
  readonly kind: 'sqlite' | 'postgres';
  readonly store: DirectoryStore;
  readonly syncStore: SyncStore;
  readonly registry: AgentRegistry;
  readonly signingKey: SigningKey;
  /** The OpenID provider's accounts, sessions and tokens (src/identity). */
  readonly identity: IdentityStore;
  /** Several nodes: a job's cycle runs only under its lease (absent for SQLite, one node). */
  readonly exclusive?: ExclusiveRunner;
  /** Runs `work` while no other node of the installation runs it (the first start's bootstrap). */
  once<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `--store`: absent for SQLite in the data folder, or a postgres:// URL. */
export async function openServiceBackend(options: { dataDir: string; store?: string; secretsKeyFile?: string }): Promise<ServiceBackend> {
  const url = options.store?.trim();
  const secretBox = () => openSecretBox(options.dataDir, options.secretsKeyFile);
  if (url === undefined || url === '') return openSqliteBackend(options.dataDir, secretBox());
  if (/^postgres(ql)?:\/\//i.test(url)) {
    // The data folder still holds bootstrap.json on the node that bootstraps the installation.
    mkdirSync(options.dataDir, { recursive: true });
    // Loaded only here: pg and the Postgres adapters are a good part of a start-up's module
    // loading, which a SQLite service never needs. Every node needs the same sync secrets key:
    // the first start creates it, copy it to the others (--secrets-key-file).
    return (await import('./serve-backend-postgres.ts')).openPostgresBackend(url, secretBox());
  }
  throw new CanopyError('ERR_CONFIG_INVALID', `--store: expected a postgres:// URL (or no --store for SQLite in the data folder), got ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))}`);
}

/**
 * The key sealing sync secrets lives in its own file (default DATA/sync-secrets.key, 0600;
 * --secrets-key-file puts it elsewhere) so that a copy of the database alone opens nothing.
 * CANOPY_SECRETS_PREVIOUS_KEY_FILE names the key being rotated out: what it sealed still
 * opens, and the store seals it again with the new key at start.
 */
function openSecretBox(dataDir: string, secretsKeyFile: string | undefined): SecretBox {
  const previous = process.env.CANOPY_SECRETS_PREVIOUS_KEY_FILE;
  const previousKeys = previous ? [readSecretsKey(previous)] : [];
  return createSecretBox(loadOrCreateSecretsKey(secretsKeyFile ?? join(dataDir, SECRETS_KEY_FILE)), previousKeys);
}

async function openSqliteBackend(dataDir: string, secretBox: SecretBox): Promise<ServiceBackend> {
  const store = openSqliteDirectoryStore(directoryDatabasePath(dataDir), { secretBox, readWorkers: readWorkers() });
  const syncStore = createSqliteSyncStore(store);
  return {
    kind: 'sqlite',
    store,
    syncStore,
    registry: new SqliteAgentRegistry(sqliteWriterOf(store)!),
    identity: new SqliteIdentityStore(sqliteWriterOf(store)!),
    signingKey: await loadOrCreateSigningKey(dataDir),
    // One node: nothing to exclude.
    once: (work) => work(),
    async close() {
      await syncStore.close();
      await store.close();
    },
  };
}

/** CANOPY_SQLITE_READ_WORKERS: threads for the reads that may scan (default DEFAULT_READ_WORKERS; 0 runs them on the main thread). */
function readWorkers(): number {
  const value = process.env.CANOPY_SQLITE_READ_WORKERS;
  if (value === undefined || value === '') return DEFAULT_READ_WORKERS;
  if (!/^\d{1,2}$/.test(value)) throw new CanopyError('ERR_CONFIG_INVALID', `CANOPY_SQLITE_READ_WORKERS: expected a number of threads (0-99), got ${JSON.stringify(value)}`);
  return Number(value);
}
