/**
 * SyncStore over the Postgres directory store: the engine's tables live in the same schema
 * and are written on the directory transaction's connection, so directory writes, engine
 * state and the watermark commit as one (sqlite/sync-store.ts is the SQLite side).
 */
import { CanopyError } from '../../core/errors.ts';
import { runPostgresMigrations } from '../../directory/postgres/connect.ts';
import { postgresClientOf, type PostgresDirectoryStore } from '../../directory/postgres/store.ts';
import type { SyncStore } from '../ports.ts';
import { ENGINE_POSTGRES_MIGRATIONS } from './migrations.ts';
import { createPostgresMailOutbox } from './mail-outbox.ts';
import { createPostgresSourceState } from './source-state.ts';
import { checkFence, currentLease, LEASE_POSTGRES_MIGRATIONS } from './job-leases.ts';

export async function createPostgresSyncStore(directory: PostgresDirectoryStore): Promise<SyncStore> {
  await runPostgresMigrations(directory.pool, [...ENGINE_POSTGRES_MIGRATIONS, ...LEASE_POSTGRES_MIGRATIONS]);
  return {
    directory,
    state: createPostgresSourceState(directory.pool),
    outbox: createPostgresMailOutbox(directory.pool),
    // Under a job lease (runUnderLease), the fencing check comes first: a node whose lease
    // passed to another writes nothing.
    transaction: (work) => directory.transaction(async (tx) => {
      const client = postgresClientOf(tx);
      if (!client) throw new CanopyError('ERR_CONFIG_INVALID', 'the Postgres sync store needs a directory store opened by openPostgresDirectoryStore');
      const lease = currentLease();
      if (lease) await checkFence(client, lease);
      return work({ directory: tx, state: createPostgresSourceState(client) });
    }),
    // The pool is the directory store's: its opener closes it.
    async close() {},
  };
}
