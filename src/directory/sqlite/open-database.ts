import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile } from '../../core/private-files.ts';

export type SqliteDatabase = Database.Database;

/** One schema step. `id` is unique across all parts (prefix it with the part: 'relay-001-agents'). */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/**
 * Opens (creating when missing) the SQLite file of a data folder: WAL so readers never wait
 * for the writer, foreign keys on, and a busy timeout so a second process waits instead of
 * failing with SQLITE_BUSY.
 */
export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') {
    // The folder 0700 and the file 0600 before SQLite opens it: SQLite gives the -wal and -shm
    // files the database file's permissions (os_unix.c findCreateFileMode); existing ones are
    // narrowed too, for a data folder created by an older version.
    ensurePrivateDir(dirname(path));
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      if (file === path || existsSync(file)) ensurePrivateFile(file);
    }
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * Applies the migrations not yet recorded, each in its own transaction with its record, so
 * a crash leaves every step either whole or absent. Several parts (directory, relay) keep
 * their own lists against one database; ids keep them apart.
 */
export function runMigrations(db: SqliteDatabase, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = db.prepare<[string], { id: string }>('SELECT id FROM schema_migrations WHERE id = ?');
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  for (const migration of migrations) {
    if (applied.get(migration.id)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.id, new Date().toISOString());
    })();
  }
}
