/**
 * The DirectoryReader over one SQLite connection: the store's query-only reader on the main
 * thread, its writer inside a transaction, and each read worker (read-pool.ts) run these.
 */
import type { DirectoryReader } from '../store.ts';
import type { DirectoryGroup, DirectoryUser } from '../types.ts';
import type { SqliteDatabase } from './open-database.ts';
import type { SecretBox } from '../secret-box.ts';
import { countObjects, getObject, listObjects } from './objects.ts';
import { USERS, findUser, findUsers } from './users.ts';
import { GROUPS, findGroup } from './groups.ts';
import * as members from './memberships.ts';
import * as tenants from './tenants.ts';
import * as sync from './sync-state.ts';
import * as logs from './provisioning-logs.ts';
import * as passwordHashes from './password-hashes.ts';

export function readerOn(db: SqliteDatabase, box: SecretBox | undefined): DirectoryReader {
  return {
    getTenant: async (tenantId) => tenants.getTenant(db, tenantId),
    listTenants: async () => tenants.listTenants(db),
    getApplicationByAppId: async (tenantId, appId) => tenants.getApplicationByAppId(db, tenantId, appId),
    getServicePrincipal: async (tenantId, id) => tenants.getServicePrincipal(db, tenantId, id),
    listServicePrincipals: async (tenantId) => tenants.listServicePrincipals(db, tenantId),
    getUser: async (tenantId, id, options) => getObject<DirectoryUser>(db, USERS, tenantId, id, options?.includeDeleted ?? false),
    findUser: async (tenantId, lookup) => findUser(db, tenantId, lookup),
    findUsers: async (tenantId, lookup) => findUsers(db, tenantId, lookup),
    listUsers: async (tenantId, query) => listObjects<DirectoryUser>(db, USERS, tenantId, query),
    countUsers: async (tenantId, query = {}) => countObjects(db, USERS, tenantId, query),
    getUserPasswordHash: async (tenantId, userId) => passwordHashes.getUserPasswordHash(db, tenantId, userId),
    getGroup: async (tenantId, id, options) => getObject<DirectoryGroup>(db, GROUPS, tenantId, id, options?.includeDeleted ?? false),
    findGroup: async (tenantId, lookup) => findGroup(db, tenantId, lookup),
    listGroups: async (tenantId, query) => listObjects<DirectoryGroup>(db, GROUPS, tenantId, query),
    countGroups: async (tenantId, query = {}) => countObjects(db, GROUPS, tenantId, query),
    listGroupMembers: async (tenantId, groupId, page) => members.listGroupMembers(db, tenantId, groupId, page),
    countGroupMembers: async (tenantId, groupId, query = {}) => members.countGroupMembers(db, tenantId, groupId, query),
    listMemberOf: async (tenantId, memberId, page) => members.listMemberOf(db, tenantId, memberId, page),
    countMemberOf: async (tenantId, memberId, query = {}) => members.countMemberOf(db, tenantId, memberId, query),
    listMemberOfMany: async (tenantId, memberIds, perObject) => members.listMemberOfMany(db, tenantId, memberIds, perObject),
    listGroupMembersMany: async (tenantId, groupIds, perObject) => members.listGroupMembersMany(db, tenantId, groupIds, perObject),
    listPendingReferences: async (tenantId, page) => members.listPendingReferences(db, tenantId, page),
    getSynchronizationJob: async (tenantId, jobId) => sync.getJob(db, tenantId, jobId),
    listSynchronizationJobs: async (tenantId, servicePrincipalId) => sync.listJobs(db, tenantId, servicePrincipalId),
    listAllSynchronizationJobs: async () => sync.listJobs(db, undefined),
    getSynchronizationSecrets: async (tenantId, servicePrincipalId) => sync.getSecrets(db, tenantId, servicePrincipalId, box),
    getWatermark: async (tenantId, jobId) => sync.getWatermark(db, tenantId, jobId),
    listEscrows: async (tenantId, jobId, page) => sync.listEscrows(db, tenantId, jobId, page),
    countEscrows: async (tenantId, jobId) => sync.countEscrows(db, tenantId, jobId),
    listPasswordHashPending: async (tenantId, jobId, page) => passwordHashes.listPending(db, tenantId, jobId, page),
    listProvisioningLogs: async (tenantId, query) => logs.listLogs(db, tenantId, query),
  };
}
