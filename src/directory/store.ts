/**
 * The one interface to the cloud directory and the sync state. The API, the engine and the
 * CLI depend on this file only; the composition root picks an adapter (sqlite/ today,
 * Postgres later) and both run test/directory/store-contract.ts.
 *
 * - Every method takes the tenant id; nothing is ever read or written across tenants.
 * - Writes exist only on a DirectoryTransaction: a batch of writes and the watermark that
 *   covers them commit together or not at all (ARCHITECTURE.md, "the watermark moves only
 *   after the writes commit").
 * - Reads that can be large are keyset-paged (`Page.cursor`); `iteratePages` turns them into
 *   async iterables. No method loads a whole table.
 * - Reads on the store see committed data only; reads on a transaction see its own writes.
 */
import type {
  Application,
  DirectoryGroup,
  DirectoryUser,
  Escrow,
  EscrowInput,
  GroupProperties,
  KeyValue,
  MemberObject,
  Membership,
  MemberType,
  NewGroup,
  NewUser,
  PendingReference,
  ProvisioningObjectSummary,
  ServicePrincipal,
  SynchronizationJob,
  Tenant,
  UserPasswordHash,
  UserProperties,
} from './types.ts';

/**
 * A filter the adapters translate to their query language; the API builds it from $filter.
 * - `gt`/`ge`/`lt`/`le` compare strings without case and `datetime` properties as instants.
 * - `not` is true where its operand is false or unknown (null), as Graph's `not` and `ne` are.
 * - `any`/`all` test the elements of a multi-valued (`strings`) property: `where` names the
 *   element as the property LAMBDA_ELEMENT. `all` over an empty collection is true.
 * - `and`/`or` with no operands are the constants true and false.
 * - `contains` (substring, without case) serves $search; Graph's $filter has no contains.
 */
export type Predicate =
  | { readonly op: 'eq' | 'ne'; readonly property: string; readonly value: string | boolean | null }
  | { readonly op: 'startswith' | 'endswith' | 'contains'; readonly property: string; readonly value: string }
  | { readonly op: 'gt' | 'ge' | 'lt' | 'le'; readonly property: string; readonly value: string }
  | { readonly op: 'in'; readonly property: string; readonly values: readonly (string | boolean | null)[] }
  | { readonly op: 'not'; readonly operand: Predicate }
  | { readonly op: 'any' | 'all'; readonly property: string; readonly where: Predicate }
  | { readonly op: 'and' | 'or'; readonly operands: readonly Predicate[] };

/** The element of a collection inside an `any`/`all` predicate (a string, compared without case). */
export const LAMBDA_ELEMENT = '$element';

/** The properties a predicate names (a lambda's collection, not its element). */
export function predicateProperties(predicate: Predicate, into: Set<string> = new Set()): Set<string> {
  switch (predicate.op) {
    case 'and':
    case 'or':
      for (const operand of predicate.operands) predicateProperties(operand, into);
      return into;
    case 'not':
      return predicateProperties(predicate.operand, into);
    default:
      into.add(predicate.property);
      return into;
  }
}

export interface PageRequest {
  /** At most this many items (1 … 1000). */
  readonly limit: number;
  /** Opaque cursor from a previous page; absent for the first page. */
  readonly cursor?: string;
}

export interface ObjectQuery extends PageRequest {
  readonly filter?: Predicate;
  /** List deleted items instead of live objects. */
  readonly deleted?: boolean;
  /**
   * Order by one string property (without case, null as ''), then id; the cursor then names
   * both, so paging stays keyset. Absent: id order.
   */
  readonly orderBy?: { readonly property: string; readonly descending?: boolean };
}

export interface MemberQuery extends PageRequest {
  readonly transitive?: boolean;
  readonly memberType?: MemberType;
  /** Only this member: whether an object is a live (direct or transitive) member, in one indexed read. */
  readonly memberId?: string;
  /**
   * On the member's own properties (a user's or a group's); a member whose type lacks a
   * property the predicate names does not match.
   */
  readonly filter?: Predicate;
}

/** memberOf: the groups above an object, directly or through nesting, optionally filtered on the group. */
export interface MemberOfQuery extends PageRequest {
  readonly transitive?: boolean;
  readonly filter?: Predicate;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when more items follow; pass it back as `cursor`. */
  readonly cursor?: string;
}

/** Keys a user can be found by, for matching (hard match on the anchor, soft on mail / UPN). */
export type UserLookup =
  | { readonly onPremisesImmutableId: string }
  | { readonly userPrincipalName: string }
  | { readonly onPremisesDistinguishedName: string }
  | { readonly mail: string }
  /** Matches an entry of proxyAddresses, case-insensitively, with its prefix (`smtp:a@b`). */
  | { readonly proxyAddress: string };

/**
 * The batch form of the soft-match lookups, for a page of source objects at once: `values`
 * compared as findUser compares them (case-insensitively; proxy addresses with their prefix).
 */
export interface UserBatchLookup {
  readonly by: 'mail' | 'userPrincipalName' | 'proxyAddress' | 'onPremisesImmutableId';
  readonly values: readonly string[];
}

export type GroupLookup = { readonly sourceAnchor: string } | { readonly onPremisesDistinguishedName: string };

export interface ProvisioningLogQuery extends PageRequest {
  readonly jobId?: string;
  readonly cycleId?: string;
  /** sourceIdentity.id */
  readonly sourceId?: string;
}

export interface DirectoryReader {
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  listTenants(): Promise<readonly Tenant[]>;
  getApplicationByAppId(tenantId: string, appId: string): Promise<Application | undefined>;
  getServicePrincipal(tenantId: string, id: string): Promise<ServicePrincipal | undefined>;
  /** A tenant holds a handful of service principals: returned whole. */
  listServicePrincipals(tenantId: string): Promise<readonly ServicePrincipal[]>;

  /** A live user by id; deleted ones only with `includeDeleted`. */
  getUser(tenantId: string, id: string, options?: { includeDeleted?: boolean }): Promise<DirectoryUser | undefined>;
  /** Live or deleted: a deleted user with the anchor must be restored, not duplicated. */
  findUser(tenantId: string, lookup: UserLookup): Promise<DirectoryUser | undefined>;
  /**
   * Every user, live or deleted, holding one of the values (any number: the adapter chunks).
   * The caller picks among several holders of one value as findUser does: live first, then
   * the lowest id.
   */
  findUsers(tenantId: string, lookup: UserBatchLookup): Promise<readonly DirectoryUser[]>;
  listUsers(tenantId: string, query: ObjectQuery): Promise<Page<DirectoryUser>>;
  countUsers(tenantId: string, query?: { filter?: Predicate; deleted?: boolean }): Promise<number>;
  /** The password hash synced for a user (password hash sync), for sign-in only. */
  getUserPasswordHash(tenantId: string, userId: string): Promise<UserPasswordHash | undefined>;

  getGroup(tenantId: string, id: string, options?: { includeDeleted?: boolean }): Promise<DirectoryGroup | undefined>;
  findGroup(tenantId: string, lookup: GroupLookup): Promise<DirectoryGroup | undefined>;
  listGroups(tenantId: string, query: ObjectQuery): Promise<Page<DirectoryGroup>>;
  countGroups(tenantId: string, query?: { filter?: Predicate; deleted?: boolean }): Promise<number>;

  /**
   * Live members of a group (deleted members are kept but hidden, as Entra restores them),
   * direct or, with `transitive`, also those of its live nested groups at any depth, each
   * once; optionally of one type. Keyset-paged on member id: the nested-group closure is
   * computed by the database (a recursive query over groups only, cycle-safe), never held
   * in memory, and one page holds at most `limit` members however large the groups.
   */
  listGroupMembers(tenantId: string, groupId: string, page: MemberQuery): Promise<Page<MemberObject>>;
  countGroupMembers(tenantId: string, groupId: string, query?: Omit<MemberQuery, 'limit' | 'cursor'>): Promise<number>;
  /** Live groups that contain the object directly, or with `transitive` through nesting too. */
  listMemberOf(tenantId: string, memberId: string, page: MemberOfQuery): Promise<Page<DirectoryGroup>>;
  countMemberOf(tenantId: string, memberId: string, query?: Omit<MemberOfQuery, 'limit' | 'cursor'>): Promise<number>;
  /**
   * $expand of a page: for each object (at most 1000), the first `perObject` live groups that
   * contain it directly (id order), in one read; objects in none are absent from the map.
   */
  listMemberOfMany(tenantId: string, memberIds: readonly string[], perObject: number): Promise<ReadonlyMap<string, readonly DirectoryGroup[]>>;
  /** As listMemberOfMany for members: each group's first `perObject` live direct members (member id order). */
  listGroupMembersMany(tenantId: string, groupIds: readonly string[], perObject: number): Promise<ReadonlyMap<string, readonly MemberObject[]>>;
  listPendingReferences(tenantId: string, page: PageRequest & { groupId?: string }): Promise<Page<PendingReference>>;

  getSynchronizationJob(tenantId: string, jobId: string): Promise<SynchronizationJob | undefined>;
  /** Jobs of one service principal, or of the tenant; a tenant has few. */
  listSynchronizationJobs(tenantId: string, servicePrincipalId?: string): Promise<readonly SynchronizationJob[]>;
  /** Every job of every tenant, for the scheduler. */
  listAllSynchronizationJobs(): Promise<readonly SynchronizationJob[]>;
  getSynchronizationSecrets(tenantId: string, servicePrincipalId: string): Promise<readonly KeyValue[]>;
  /** The opaque watermark of a job, undefined before its first committed cycle. */
  getWatermark(tenantId: string, jobId: string): Promise<string | undefined>;
  listEscrows(tenantId: string, jobId: string, page: PageRequest): Promise<Page<Escrow>>;
  /** Source anchors a password hash job read before a cloud user held them, in anchor order. */
  listPasswordHashPending(tenantId: string, jobId: string, page: PageRequest): Promise<Page<string>>;
  countEscrows(tenantId: string, jobId: string): Promise<number>;
  /** Newest first. */
  listProvisioningLogs(tenantId: string, query: ProvisioningLogQuery): Promise<Page<ProvisioningObjectSummary>>;
}

/** What PATCH /organization may change on a tenant. */
export interface TenantChange {
  readonly onPremisesSyncEnabled?: boolean | null;
}

export interface DirectoryTransaction extends DirectoryReader {
  createTenant(tenant: Tenant): Promise<void>;
  /** false when the tenant does not exist. */
  updateTenant(tenantId: string, changes: TenantChange): Promise<boolean>;
  createApplication(application: Application): Promise<void>;
  createServicePrincipal(servicePrincipal: ServicePrincipal): Promise<void>;

  /** Inserts users; ids are generated when absent. A duplicate anchor or UPN fails the transaction. */
  createUsers(tenantId: string, users: readonly NewUser[]): Promise<readonly DirectoryUser[]>;
  /** Sets the given properties; other properties keep their values. Unknown ids are skipped and not returned. */
  updateUsers(tenantId: string, changes: readonly UserChange[]): Promise<readonly DirectoryUser[]>;
  /** Soft delete: the users move to deleted items with deletedDateTime = `at`. */
  deleteUsers(tenantId: string, ids: readonly string[], at?: string): Promise<number>;
  restoreUsers(tenantId: string, ids: readonly string[]): Promise<number>;
  /**
   * Sets (replaces) users' synced password hashes; syncedDateTime is the store's clock.
   * Ids of users that do not exist fail the transaction (ERR_DIRECTORY_NOT_FOUND).
   */
  putUserPasswordHashes(tenantId: string, hashes: readonly Omit<UserPasswordHash, 'syncedDateTime'>[]): Promise<void>;

  createGroups(tenantId: string, groups: readonly NewGroup[]): Promise<readonly DirectoryGroup[]>;
  updateGroups(tenantId: string, changes: readonly GroupChange[]): Promise<readonly DirectoryGroup[]>;
  deleteGroups(tenantId: string, ids: readonly string[], at?: string): Promise<number>;
  restoreGroups(tenantId: string, ids: readonly string[]): Promise<number>;
  /** Hard-deletes users and groups deleted before `before` (Entra: 30 days), with their memberships and password hashes. */
  purgeDeleted(tenantId: string, before: string): Promise<{ users: number; groups: number }>;

  /** Idempotent: adding an existing membership is a no-op. */
  addMembers(tenantId: string, members: readonly Membership[]): Promise<void>;
  removeMembers(tenantId: string, members: readonly Omit<Membership, 'memberType'>[]): Promise<void>;
  /** Removes every membership of a group (a full resync of its members). */
  clearMembers(tenantId: string, groupId: string): Promise<void>;
  addPendingReferences(tenantId: string, references: readonly Omit<PendingReference, 'createdDateTime'>[]): Promise<void>;
  removePendingReferences(tenantId: string, references: readonly Omit<PendingReference, 'createdDateTime'>[]): Promise<void>;
  /**
   * Turns the pending references naming `reference` into memberships of the now-synced object;
   * returns how many memberships were added.
   */
  resolvePendingReferences(tenantId: string, resolved: readonly { reference: string; memberId: string; memberType: MemberType }[]): Promise<number>;

  /** Creates or replaces a job (the id is the key). */
  putSynchronizationJob(job: SynchronizationJob): Promise<void>;
  /** Deletes a job with its watermark, escrows and pending password hash anchors. */
  deleteSynchronizationJob(tenantId: string, jobId: string): Promise<boolean>;
  /** Upserts secrets by key (Graph PUT …/synchronization/secrets). */
  putSynchronizationSecrets(tenantId: string, servicePrincipalId: string, secrets: readonly KeyValue[]): Promise<void>;
  /** null clears the watermark (restart with resetScope Watermark). */
  setWatermark(tenantId: string, jobId: string, watermark: string | null): Promise<void>;
  /** Records failures; an escrow already present counts one more attempt. */
  putEscrows(tenantId: string, jobId: string, escrows: readonly EscrowInput[]): Promise<void>;
  /** Idempotent: an anchor already pending stays once. */
  addPasswordHashPending(tenantId: string, jobId: string, anchors: readonly string[]): Promise<void>;
  removePasswordHashPending(tenantId: string, jobId: string, anchors: readonly string[]): Promise<void>;
  /** Removes the named escrows, or all of the job's. */
  removeEscrows(tenantId: string, jobId: string, sourceIds: readonly string[] | 'all'): Promise<number>;
  appendProvisioningLogs(tenantId: string, entries: readonly ProvisioningObjectSummary[]): Promise<void>;
  purgeProvisioningLogs(tenantId: string, before: string): Promise<number>;
}

export type UserChange = { readonly id: string } & Partial<UserProperties>;
export type GroupChange = { readonly id: string } & Partial<GroupProperties>;

export interface DirectoryStore extends DirectoryReader {
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * An adapter may run a store's transactions one at a time (SQLite has one writer) or side
   * by side (Postgres); either way each is atomic. Keep one to a batch, do no network I/O
   * inside, and never open a transaction from inside another (use the `tx` given).
   */
  transaction<T>(work: (tx: DirectoryTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Entra keeps deleted users and groups for 30 days, then purges them for good. */
export const DELETED_ITEMS_RETENTION_DAYS = 30;

/** The `before` argument of purgeDeleted at `now`: objects deleted earlier are past retention. */
export function deletedItemsPurgeCutoff(now: Date = new Date()): string {
  return new Date(now.getTime() - DELETED_ITEMS_RETENTION_DAYS * 24 * 60 * 60 * 1000).toISOString();
}

/** Streams every item of a paged read, one page in memory at a time. */
export async function* iteratePages<T>(read: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    yield* page.items;
    cursor = page.cursor;
  } while (cursor !== undefined);
}
