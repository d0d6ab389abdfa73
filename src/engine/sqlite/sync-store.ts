/**
 * SyncStore over the SQLite directory store: the engine's source-object table lives in the
 * same database file and is written on the store's writer connection from inside its
 * transaction, so directory writes, engine state and the watermark commit as one.
 */
import { CanopyError } from '../../core/errors.ts';
import type { DirectoryStore } from '../../directory/store.ts';
import { runMigrations, openDatabase } from '../../directory/sqlite/open-database.ts';
import { sqliteWriterOf } from '../../directory/sqlite/store.ts';
import type { SyncStore } from '../ports.ts';
import { ENGINE_MIGRATIONS } from './migrations.ts';
import { createSqliteMailOutbox } from './mail-outbox.ts';
import { createSqliteSourceState } from './source-state.ts';

/**
 * Committed reads of engine state use a query-only connection of their own to the store's
 * file, as the directory's reader does. Close it with `close()`, before the directory store.
 */
export function createSqliteSyncStore(directory: DirectoryStore): SyncStore {
  const writer = sqliteWriterOf(directory);
  if (!writer) throw new CanopyError('ERR_CONFIG_INVALID', 'the SQLite sync store needs a directory store opened by openSqliteDirectoryStore');
  runMigrations(writer, ENGINE_MIGRATIONS);
  const reader = openDatabase(writer.name);
  reader.pragma('query_only = ON');
  const writeState = createSqliteSourceState(writer);
  // The outbox writes on a connection of its own (sqlite/mail-outbox.ts).
  const mail = openDatabase(writer.name);
  return {
    directory,
    state: createSqliteSourceState(reader),
    outbox: createSqliteMailOutbox(mail),
    transaction: (work) => directory.transaction((tx) => work({ directory: tx, state: writeState })),
    async close() {
      reader.close();
      mail.close();
    },
  };
}
