/**
 * The Postgres adapter of DirectoryStore, for several `canopy serve` nodes on one database.
 *
 * Reads on the store go to the pool and see committed data (READ COMMITTED). A transaction
 * checks one connection out of the pool, so transactions run side by side, each atomic.
 *
 * Each write runs inside a savepoint. In Postgres a failed statement aborts the whole
 * transaction; in SQLite it fails alone. The engine relies on the latter: it catches a
 * per-object conflict (ERR_DIRECTORY_CONFLICT), escrows that object and goes on with the
 * page. Rolling back to the savepoint gives Postgres the same behaviour, and undoes the
 * failed call whole.
 */
import type { SecretBox } from '../secret-box.ts';
import type pg from 'pg';
import { CanopyError } from '../../core/errors.ts';
import type { DirectoryReader, DirectoryStore, DirectoryTransaction } from '../store.ts';
import type { DirectoryGroup, DirectoryUser } from '../types.ts';
import { openPool, parsePostgresUrl, preparePostgres, runPostgresMigrations, type PostgresPoolOptions, type Queryable } from './connect.ts';
import { DIRECTORY_POSTGRES_MIGRATIONS } from './migrations.ts';
import { countObjects, getObject, listObjects, purgeObjects, setDeleted } from './objects.ts';
import { USERS, createUsers, findUser, findUsers, updateUsers } from './users.ts';
import { GROUPS, createGroups, findGroup, updateGroups } from './groups.ts';
import * as members from './memberships.ts';
import * as tenants from './tenants.ts';
import * as sync from './sync-state.ts';
import * as logs from './provisioning-logs.ts';
import * as passwordHashes from './password-hashes.ts';

export interface PostgresStoreOptions extends PostgresPoolOptions {
  /** The clock for createdDateTime, deletedDateTime and the like; tests pin it. */
  readonly now?: () => Date;
  /** Seals sync secrets at rest (directory/secret-box.ts); `canopy serve` always gives one. */
  readonly secretBox?: SecretBox;
}

function readerOn(db: Queryable, box: SecretBox | undefined): DirectoryReader {
  return {
    getTenant: (tenantId) => tenants.getTenant(db, tenantId),
    listTenants: () => tenants.listTenants(db),
    getApplicationByAppId: (tenantId, appId) => tenants.getApplicationByAppId(db, tenantId, appId),
    getServicePrincipal: (tenantId, id) => tenants.getServicePrincipal(db, tenantId, id),
    listServicePrincipals: (tenantId) => tenants.listServicePrincipals(db, tenantId),
    getUser: (tenantId, id, options) => getObject<DirectoryUser>(db, USERS, tenantId, id, options?.includeDeleted ?? false),
    findUser: (tenantId, lookup) => findUser(db, tenantId, lookup),
    findUsers: (tenantId, lookup) => findUsers(db, tenantId, lookup),
    listUsers: (tenantId, query) => listObjects<DirectoryUser>(db, USERS, tenantId, query),
    countUsers: (tenantId, query = {}) => countObjects(db, USERS, tenantId, query),
    getUserPasswordHash: (tenantId, userId) => passwordHashes.getUserPasswordHash(db, tenantId, userId),
    getGroup: (tenantId, id, options) => getObject<DirectoryGroup>(db, GROUPS, tenantId, id, options?.includeDeleted ?? false),
    findGroup: (tenantId, lookup) => findGroup(db, tenantId, lookup),
    listGroups: (tenantId, query) => listObjects<DirectoryGroup>(db, GROUPS, tenantId, query),
    countGroups: (tenantId, query = {}) => countObjects(db, GROUPS, tenantId, query),
    listGroupMembers: (tenantId, groupId, page) => members.listGroupMembers(db, tenantId, groupId, page),
    countGroupMembers: (tenantId, groupId, query = {}) => members.countGroupMembers(db, tenantId, groupId, query),
    listMemberOf: (tenantId, memberId, page) => members.listMemberOf(db, tenantId, memberId, page),
    countMemberOf: (tenantId, memberId, query = {}) => members.countMemberOf(db, tenantId, memberId, query),
    listMemberOfMany: (tenantId, memberIds, perObject) => members.listMemberOfMany(db, tenantId, memberIds, perObject),
    listGroupMembersMany: (tenantId, groupIds, perObject) => members.listGroupMembersMany(db, tenantId, groupIds, perObject),
    listPendingReferences: (tenantId, page) => members.listPendingReferences(db, tenantId, page),
    getSynchronizationJob: (tenantId, jobId) => sync.getJob(db, tenantId, jobId),
    listSynchronizationJobs: (tenantId, servicePrincipalId) => sync.listJobs(db, tenantId, servicePrincipalId),
    listAllSynchronizationJobs: () => sync.listJobs(db, undefined),
    getSynchronizationSecrets: (tenantId, servicePrincipalId) => sync.getSecrets(db, tenantId, servicePrincipalId, box),
    getWatermark: (tenantId, jobId) => sync.getWatermark(db, tenantId, jobId),
    listEscrows: (tenantId, jobId, page) => sync.listEscrows(db, tenantId, jobId, page),
    countEscrows: (tenantId, jobId) => sync.countEscrows(db, tenantId, jobId),
    listPasswordHashPending: (tenantId, jobId, page) => passwordHashes.listPending(db, tenantId, jobId, page),
    listProvisioningLogs: (tenantId, query) => logs.listLogs(db, tenantId, query),
  };
}

type Writer = Omit<DirectoryTransaction, keyof DirectoryReader>;

function writerOn(db: Queryable, now: () => string, box: SecretBox | undefined): Writer {
  return {
    createTenant: (tenant) => tenants.createTenant(db, tenant),
    updateTenant: (tenantId, changes) => tenants.updateTenant(db, tenantId, changes),
    createApplication: (app) => tenants.createApplication(db, app),
    createServicePrincipal: (sp) => tenants.createServicePrincipal(db, sp),
    createUsers: (tenantId, users) => createUsers(db, tenantId, users, now()),
    updateUsers: (tenantId, changes) => updateUsers(db, tenantId, changes),
    deleteUsers: (tenantId, ids, at) => setDeleted(db, USERS, tenantId, ids, at ?? now()),
    restoreUsers: (tenantId, ids) => setDeleted(db, USERS, tenantId, ids, null),
    putUserPasswordHashes: (tenantId, hashes) => passwordHashes.putUserPasswordHashes(db, tenantId, hashes, now()),
    createGroups: (tenantId, groups) => createGroups(db, tenantId, groups, now()),
    updateGroups: (tenantId, changes) => updateGroups(db, tenantId, changes),
    deleteGroups: (tenantId, ids, at) => setDeleted(db, GROUPS, tenantId, ids, at ?? now()),
    restoreGroups: (tenantId, ids) => setDeleted(db, GROUPS, tenantId, ids, null),
    purgeDeleted: async (tenantId, before) => ({ users: await purgeObjects(db, USERS, tenantId, before), groups: await purgeObjects(db, GROUPS, tenantId, before) }),
    addMembers: (tenantId, list) => members.addMembers(db, tenantId, list),
    removeMembers: (tenantId, list) => members.removeMembers(db, tenantId, list),
    clearMembers: (tenantId, groupId) => members.clearMembers(db, tenantId, groupId),
    addPendingReferences: (tenantId, refs) => members.addPendingReferences(db, tenantId, refs, now()),
    removePendingReferences: (tenantId, refs) => members.removePendingReferences(db, tenantId, refs),
    resolvePendingReferences: (tenantId, resolved) => members.resolvePendingReferences(db, tenantId, resolved),
    putSynchronizationJob: (job) => sync.putJob(db, job),
    deleteSynchronizationJob: (tenantId, jobId) => sync.deleteJob(db, tenantId, jobId),
    putSynchronizationSecrets: (tenantId, spId, secrets) => sync.putSecrets(db, tenantId, spId, secrets, box),
    setWatermark: (tenantId, jobId, watermark) => sync.setWatermark(db, tenantId, jobId, watermark, now()),
    putEscrows: (tenantId, jobId, escrows) => sync.putEscrows(db, tenantId, jobId, escrows, now()),
    removeEscrows: (tenantId, jobId, sourceIds) => sync.removeEscrows(db, tenantId, jobId, sourceIds),
    addPasswordHashPending: (tenantId, jobId, anchors) => passwordHashes.addPending(db, tenantId, jobId, anchors),
    removePasswordHashPending: (tenantId, jobId, anchors) => passwordHashes.removePending(db, tenantId, jobId, anchors),
    appendProvisioningLogs: (tenantId, entries) => logs.appendLogs(db, tenantId, entries),
    purgeProvisioningLogs: (tenantId, before) => logs.purgeLogs(db, tenantId, before),
  };
}

/** Postgres SQLSTATEs (appendix A) as the store's coded errors; the rest pass through. */
export function translatePostgresError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  if (code === '23505') return new CanopyError('ERR_DIRECTORY_CONFLICT', `an object with the same key exists: ${message}`, { cause: error });
  if (code === '23502' || code === '23514') return new TypeError(`a required value is missing or invalid: ${message}`, { cause: error });
  if (code === '23503') return new CanopyError('ERR_DIRECTORY_NOT_FOUND', 'a referenced tenant, group or object does not exist', { cause: error });
  return error;
}

/**
 * Wraps every method so that it fails once the transaction is over and translates errors;
 * writes (`savepoint`) run in a savepoint that a failure rolls back to.
 */
function guard<T extends object>(target: T, client: Queryable, isOpen: () => boolean, savepoint: boolean): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(target) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = async (...args: unknown[]) => {
      if (!isOpen()) throw new TypeError(`transaction is over: ${name} called after commit or rollback`);
      if (savepoint) await client.query('SAVEPOINT canopy_write');
      try {
        const value = await fn(...args);
        if (savepoint) await client.query('RELEASE SAVEPOINT canopy_write');
        return value;
      } catch (error) {
        if (savepoint) await client.query('ROLLBACK TO SAVEPOINT canopy_write; RELEASE SAVEPOINT canopy_write').catch(() => undefined);
        throw translatePostgresError(error);
      }
    };
  }
  return wrapped as T;
}

const clients = new WeakMap<DirectoryTransaction, pg.PoolClient>();

/**
 * The connection of a transaction opened here. Statements another part runs on it join the
 * transaction: the engine keeps its source-object state this way (engine/postgres), committed
 * with the directory writes and the watermark, and checks its job lease there.
 */
export function postgresClientOf(tx: DirectoryTransaction): pg.PoolClient | undefined {
  return clients.get(tx);
}

export interface PostgresDirectoryStore extends DirectoryStore {
  /** The pool, for the parts that keep their own tables in the same schema (engine, relay). */
  readonly pool: pg.Pool;
}

/** Opens the store at a postgres:// URL (`?schema=` picks the schema), creating and migrating it. */
export async function openPostgresDirectoryStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresDirectoryStore> {
  const location = parsePostgresUrl(url);
  const searchPath = await preparePostgres(location);
  const pool = openPool(location, searchPath, options);
  const box = options.secretBox;
  try {
    await runPostgresMigrations(pool, DIRECTORY_POSTGRES_MIGRATIONS);
    if (box) await sync.sealPlainSecrets(pool, box);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const clock = options.now ?? (() => new Date());
  const now = () => clock().toISOString();

  async function transaction<T>(work: (tx: DirectoryTransaction) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let open = true;
    const isOpen = () => open;
    const tx = { ...guard(readerOn(client, box), client, isOpen, false), ...guard(writerOn(client, now, box), client, isOpen, true) } as DirectoryTransaction;
    clients.set(tx, client);
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const value = await work(tx);
      open = false;
      await client.query('COMMIT');
      return value;
    } catch (error) {
      open = false;
      await client.query('ROLLBACK').catch((rollbackError: unknown) => { broken = rollbackError; });
      throw translatePostgresError(error);
    } finally {
      // A connection that could not roll back is not handed to the next transaction.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  return {
    ...readerOn(pool, box),
    pool,
    transaction,
    async close() {
      await pool.end();
    },
  };
}
