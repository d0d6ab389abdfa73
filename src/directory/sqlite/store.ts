/**
 * The SQLite adapter of DirectoryStore (the embedded default, DIR/canopy.db).
 *
 * Two connections: a writer that runs one transaction at a time (an async queue, since the
 * interface is async for Postgres while better-sqlite3 is synchronous), and a query-only
 * reader. In WAL mode the reader sees the last commit and never waits for the writer, so
 * API reads do not see a transaction half done, as with Postgres' READ COMMITTED.
 */
import { join } from 'node:path';
import { CanopyError } from '../../core/errors.ts';
import type { DirectoryReader, DirectoryStore, DirectoryTransaction } from '../store.ts';
import { openDatabase, runMigrations, type SqliteDatabase } from './open-database.ts';
import { DIRECTORY_MIGRATIONS } from './migrations.ts';
import type { SecretBox } from '../secret-box.ts';
import { purgeObjects, setDeleted } from './objects.ts';
import { USERS, createUsers, updateUsers } from './users.ts';
import { GROUPS, createGroups, updateGroups } from './groups.ts';
import { readerOn } from './reader.ts';
import { POOLED_READS, startReadPool } from './read-pool.ts';
import * as members from './memberships.ts';
import * as tenants from './tenants.ts';
import * as sync from './sync-state.ts';
import * as logs from './provisioning-logs.ts';
import * as passwordHashes from './password-hashes.ts';

export interface SqliteStoreOptions {
  /** The clock for createdDateTime, deletedDateTime and the like; tests pin it. */
  readonly now?: () => Date;
  /** Seals sync secrets at rest (directory/secret-box.ts); `canopy serve` always gives one. */
  readonly secretBox?: SecretBox;
  /**
   * Worker threads for the reads that may scan (read-pool.ts; `canopy serve` gives
   * DEFAULT_READ_WORKERS). Absent or 0: every read runs on the calling thread.
   */
  readonly readWorkers?: number;
}

/** The database file of a data folder. */
export function directoryDatabasePath(dataDir: string): string {
  return join(dataDir, 'canopy.db');
}

function writerOn(db: SqliteDatabase, now: () => string, box: SecretBox | undefined): Omit<DirectoryTransaction, keyof DirectoryReader> {
  return {
    createTenant: async (tenant) => tenants.createTenant(db, tenant),
    updateTenant: async (tenantId, changes) => tenants.updateTenant(db, tenantId, changes),
    createApplication: async (app) => tenants.createApplication(db, app),
    createServicePrincipal: async (sp) => tenants.createServicePrincipal(db, sp),
    createUsers: async (tenantId, users) => createUsers(db, tenantId, users, now()),
    updateUsers: async (tenantId, changes) => updateUsers(db, tenantId, changes),
    deleteUsers: async (tenantId, ids, at) => setDeleted(db, USERS, tenantId, ids, at ?? now()),
    restoreUsers: async (tenantId, ids) => setDeleted(db, USERS, tenantId, ids, null),
    putUserPasswordHashes: async (tenantId, hashes) => passwordHashes.putUserPasswordHashes(db, tenantId, hashes, now()),
    createGroups: async (tenantId, groups) => createGroups(db, tenantId, groups, now()),
    updateGroups: async (tenantId, changes) => updateGroups(db, tenantId, changes),
    deleteGroups: async (tenantId, ids, at) => setDeleted(db, GROUPS, tenantId, ids, at ?? now()),
    restoreGroups: async (tenantId, ids) => setDeleted(db, GROUPS, tenantId, ids, null),
    purgeDeleted: async (tenantId, before) => ({ users: purgeObjects(db, USERS, tenantId, before), groups: purgeObjects(db, GROUPS, tenantId, before) }),
    addMembers: async (tenantId, list) => members.addMembers(db, tenantId, list),
    removeMembers: async (tenantId, list) => members.removeMembers(db, tenantId, list),
    clearMembers: async (tenantId, groupId) => members.clearMembers(db, tenantId, groupId),
    addPendingReferences: async (tenantId, refs) => members.addPendingReferences(db, tenantId, refs, now()),
    removePendingReferences: async (tenantId, refs) => members.removePendingReferences(db, tenantId, refs),
    resolvePendingReferences: async (tenantId, resolved) => members.resolvePendingReferences(db, tenantId, resolved),
    putSynchronizationJob: async (job) => sync.putJob(db, job),
    deleteSynchronizationJob: async (tenantId, jobId) => sync.deleteJob(db, tenantId, jobId),
    putSynchronizationSecrets: async (tenantId, spId, secrets) => sync.putSecrets(db, tenantId, spId, secrets, box),
    setWatermark: async (tenantId, jobId, watermark) => sync.setWatermark(db, tenantId, jobId, watermark, now()),
    putEscrows: async (tenantId, jobId, escrows) => sync.putEscrows(db, tenantId, jobId, escrows, now()),
    removeEscrows: async (tenantId, jobId, sourceIds) => sync.removeEscrows(db, tenantId, jobId, sourceIds),
    addPasswordHashPending: async (tenantId, jobId, anchors) => passwordHashes.addPending(db, tenantId, jobId, anchors),
    removePasswordHashPending: async (tenantId, jobId, anchors) => passwordHashes.removePending(db, tenantId, jobId, anchors),
    appendProvisioningLogs: async (tenantId, entries) => logs.appendLogs(db, tenantId, entries),
    purgeProvisioningLogs: async (tenantId, before) => logs.purgeLogs(db, tenantId, before),
  };
}

/** Constraint failures become coded errors the engine can act on; the rest pass through. */
function translate(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new CanopyError('ERR_DIRECTORY_CONFLICT', `an object with the same key exists: ${(error as Error).message}`, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_NOTNULL' || code === 'SQLITE_CONSTRAINT_CHECK') {
    return new TypeError(`a required value is missing or invalid: ${(error as Error).message}`, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new CanopyError('ERR_DIRECTORY_NOT_FOUND', 'a referenced tenant, group or object does not exist', { cause: error });
  }
  return error;
}

/** Wraps every method so that it fails once the transaction is over, and translates errors. */
function guard<T extends object>(target: T, isOpen: () => boolean): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(target) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = async (...args: unknown[]) => {
      if (!isOpen()) throw new TypeError(`transaction is over: ${name} called after commit or rollback`);
      try {
        return await fn(...args);
      } catch (error) {
        throw translate(error);
      }
    };
  }
  return wrapped as T;
}

/**
 * Opens (creating and migrating when needed) the store in a SQLite file. Transactions are
 * queued: one at a time per store. A nested `transaction` call from inside `work` would wait
 * for itself, so use the `tx` given instead.
 */
export function openSqliteDirectoryStore(path: string, options: SqliteStoreOptions = {}): DirectoryStore {
  if (path === ':memory:') throw new TypeError('path: the SQLite store needs a file (a reader and a writer share it)');
  const clock = options.now ?? (() => new Date());
  const now = () => clock().toISOString();
  const writer = openDatabase(path);
  runMigrations(writer, DIRECTORY_MIGRATIONS);
  if (options.secretBox) sync.sealPlainSecrets(writer, options.secretBox);
  const readerDb = openDatabase(path);
  readerDb.pragma('query_only = ON');
  let queue: Promise<unknown> = Promise.resolve();
  const checkpoints = idleCheckpoints(writer);

  async function run<T>(work: (tx: DirectoryTransaction) => Promise<T>): Promise<T> {
    let open = true;
    const tx = guard({ ...readerOn(writer, options.secretBox), ...writerOn(writer, now, options.secretBox) } as DirectoryTransaction, () => open);
    // IMMEDIATE takes the write lock now, so another process waits (busy_timeout) here rather
    // than failing at the first write half-way through the batch.
    checkpoints.busy();
    writer.exec('BEGIN IMMEDIATE');
    try {
      const value = await work(tx);
      open = false;
      writer.exec('COMMIT');
      checkpoints.committed();
      return value;
    } catch (error) {
      open = false;
      if (writer.inTransaction) writer.exec('ROLLBACK');
      throw error;
    }
  }

  const pool = options.readWorkers ? startReadPool(path, options.readWorkers) : undefined;
  const pooled = Object.fromEntries(POOLED_READS.map((method) => [method, (...args: unknown[]) => pool!.call(method, args)]));
  const store: DirectoryStore = {
    ...readerOn(readerDb, options.secretBox),
    ...(pool ? (pooled as Partial<DirectoryReader>) : {}),
    transaction<T>(work: (tx: DirectoryTransaction) => Promise<T>): Promise<T> {
      const result = queue.then(() => run(work));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      await queue;
      await pool?.close();
      checkpoints.stop();
      readerDb.close();
      writer.close();
    },
  };
  writers.set(store, writer);
  return store;
}

const writers = new WeakMap<DirectoryStore, SqliteDatabase>();

/**
 * WAL checkpoints off the commit path. SQLite's default runs a checkpoint inside the commit
 * that takes the WAL past 1,000 pages, and with synchronous=NORMAL that is the only write
 * that syncs: a CPU profile of an initial sync (bench/sync-throughput.ts) put 17% of the
 * time in BEGIN/COMMIT. Here the automatic bound is raised (WAL_AUTOCHECKPOINT_PAGES, so a
 * long burst of commits still cannot grow the WAL without limit) and a PASSIVE checkpoint,
 * which never waits for readers, runs once the writer has been idle IDLE_CHECKPOINT_MS:
 * between a cycle's pages while the next one is read from AD, or after the cycle.
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;
const IDLE_CHECKPOINT_MS = 50;

function idleCheckpoints(writer: SqliteDatabase): { busy(): void; committed(): void; stop(): void } {
  writer.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;
  return {
    busy() {
      clearTimeout(timer);
      timer = undefined;
    },
    committed() {
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        if (!dirty || writer.inTransaction || !writer.open) return;
        dirty = false;
        writer.pragma('wal_checkpoint(PASSIVE)');
      }, IDLE_CHECKPOINT_MS);
      timer.unref();
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

/**
 * The writer connection of a store opened here. Statements another part runs on it from
 * inside `transaction(work)` join that transaction: the engine keeps its source-object state
 * in its own tables this way, committed with the directory writes and the watermark.
 */
export function sqliteWriterOf(store: DirectoryStore): SqliteDatabase | undefined {
  return writers.get(store);
}
