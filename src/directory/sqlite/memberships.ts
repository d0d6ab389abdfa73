/**
 * Memberships by reference (group id → member id) and the references still waiting for
 * their member to be synced. Listing hides deleted members but keeps their rows, so a
 * restored user is back in its groups, as in Entra.
 */
import type { SqliteDatabase } from './open-database.ts';
import type { DirectoryGroup, DirectoryUser, MemberObject, Membership, MemberType, PendingReference } from '../types.ts';
import { predicateProperties, type MemberOfQuery, type MemberQuery, type Page, type PageRequest, type Predicate } from '../store.ts';
import { allProperties, getObject, toRecord, type ObjectTable } from './objects.ts';
import { USERS } from './users.ts';
import { GROUPS } from './groups.ts';
import { all, compilePredicate, get, run, type Row } from './sql.ts';

const PAGE_MAX = 1000;
const limitOf = (page: PageRequest): number => Math.max(1, Math.min(PAGE_MAX, page.limit));

export function addMembers(db: SqliteDatabase, tenantId: string, members: readonly Membership[]): void {
  for (const m of members) {
    run(db, 'INSERT OR IGNORE INTO directory_memberships (tenant_id, group_id, member_id, member_type) VALUES (?, ?, ?, ?)', [tenantId, m.groupId, m.memberId, m.memberType]);
  }
}

export function removeMembers(db: SqliteDatabase, tenantId: string, members: readonly Omit<Membership, 'memberType'>[]): void {
  for (const m of members) {
    run(db, 'DELETE FROM directory_memberships WHERE tenant_id = ? AND group_id = ? AND member_id = ?', [tenantId, m.groupId, m.memberId]);
  }
}

export function clearMembers(db: SqliteDatabase, tenantId: string, groupId: string): void {
  run(db, 'DELETE FROM directory_memberships WHERE tenant_id = ? AND group_id = ?', [tenantId, groupId]);
}

/**
 * The member rows of a group, or with `transitive` of the group and its live nested groups
 * (a recursive query over group memberships only; UNION drops repeats, so a cycle ends),
 * whose object is live, each member id once. Returns the SQL and its parameters in order.
 */
function memberRows(tenantId: string, groupId: string, query: Omit<MemberQuery, 'limit' | 'cursor'>): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  let groups = '';
  let groupTest = 'm.group_id = ?';
  if (query.transitive) {
    groups = `WITH RECURSIVE nested(id) AS (
        SELECT ?
        UNION
        SELECT m.member_id FROM directory_memberships m JOIN nested n ON m.group_id = n.id
          JOIN directory_groups g ON g.tenant_id = m.tenant_id AND g.id = m.member_id AND g.deleted_date_time IS NULL
        WHERE m.tenant_id = ? AND m.member_type = 'group')`;
    params.push(groupId, tenantId);
    groupTest = 'm.group_id IN (SELECT id FROM nested) AND m.member_id <> ?';
  }
  params.push(tenantId, groupId);
  let sql = `${groups} SELECT DISTINCT m.member_id, m.member_type FROM directory_memberships m
  LEFT JOIN directory_users u ON m.member_type = 'user' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
  LEFT JOIN directory_groups g ON m.member_type = 'group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
  WHERE m.tenant_id = ? AND ${groupTest}
    AND ((u.id IS NOT NULL AND u.deleted_date_time IS NULL) OR (g.id IS NOT NULL AND g.deleted_date_time IS NULL))`;
  if (query.memberType) {
    sql += ' AND m.member_type = ?';
    params.push(query.memberType);
  }
  if (query.memberId !== undefined) {
    sql += ' AND m.member_id = ?';
    params.push(query.memberId);
  }
  if (query.filter) sql += ` AND ${memberFilter(tenantId, query.filter, query.memberType, params)}`;
  return { sql, params };
}

/** `filter` on the object of table, as `column IN (ids of matching objects)`; undefined when the table lacks a property it names. */
function objectFilter(tenantId: string, table: ObjectTable, filter: Predicate, column: string, params: unknown[]): string | undefined {
  const properties = allProperties(table);
  if (![...predicateProperties(filter)].every((name) => name in properties)) return undefined;
  params.push(tenantId);
  return `${column} IN (SELECT id FROM ${table.table} WHERE tenant_id = ? AND ${compilePredicate(filter, properties, params)})`;
}

/** A member filter: each member type tested against its own table (a user's properties, a group's). */
function memberFilter(tenantId: string, filter: Predicate, memberType: MemberType | undefined, params: unknown[]): string {
  const parts: string[] = [];
  for (const [type, table] of [['user', USERS], ['group', GROUPS]] as const) {
    if (memberType !== undefined && memberType !== type) continue;
    const test = objectFilter(tenantId, table, filter, 'm.member_id', params);
    if (test) parts.push(`(m.member_type = '${type}' AND ${test})`);
  }
  return parts.length === 0 ? '0' : `(${parts.join(' OR ')})`;
}

export function listGroupMembers(db: SqliteDatabase, tenantId: string, groupId: string, page: MemberQuery): Page<MemberObject> {
  const limit = limitOf(page);
  const { sql, params } = memberRows(tenantId, groupId, page);
  let text = sql;
  if (page.cursor !== undefined) {
    text += ' AND m.member_id > ?';
    params.push(page.cursor);
  }
  const rows = all<{ member_id: string; member_type: MemberType }>(db, `${text} ORDER BY m.member_id LIMIT ?`, [...params, limit + 1]);
  const items = rows.slice(0, limit).map((row): MemberObject => row.member_type === 'user'
    ? { memberType: 'user', object: getObject<DirectoryUser>(db, USERS, tenantId, row.member_id, false)! }
    : { memberType: 'group', object: getObject<DirectoryGroup>(db, GROUPS, tenantId, row.member_id, false)! });
  return rows.length > limit ? { items, cursor: rows[limit - 1]!.member_id } : { items };
}

export function countGroupMembers(db: SqliteDatabase, tenantId: string, groupId: string, query: Omit<MemberQuery, 'limit' | 'cursor'>): number {
  const { sql, params } = memberRows(tenantId, groupId, query);
  return get<{ n: number }>(db, `SELECT count(*) AS n FROM (${sql})`, params)!.n;
}

/** The live groups above a member, directly or (transitive) through live nested groups; optionally filtered. */
function memberOfRows(tenantId: string, memberId: string, query: Omit<MemberOfQuery, 'limit' | 'cursor'>): { sql: string; params: unknown[] } {
  // Transitive: the groups above, through the member index, a group at a time (UNION: cycle-safe).
  let sql = query.transitive
    ? `WITH RECURSIVE up(id) AS (
        SELECT group_id FROM directory_memberships WHERE tenant_id = ? AND member_id = ?
        UNION
        SELECT m.group_id FROM directory_memberships m JOIN up ON m.member_id = up.id
          JOIN directory_groups live ON live.tenant_id = m.tenant_id AND live.id = up.id AND live.deleted_date_time IS NULL
        WHERE m.tenant_id = ? AND m.member_type = 'group')
      SELECT g.* FROM directory_groups g WHERE g.tenant_id = ? AND g.id IN (SELECT id FROM up) AND g.id <> ? AND g.deleted_date_time IS NULL`
    : `SELECT g.* FROM directory_memberships m JOIN directory_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
    WHERE m.tenant_id = ? AND m.member_id = ? AND g.deleted_date_time IS NULL`;
  const params: unknown[] = query.transitive ? [tenantId, memberId, tenantId, tenantId, memberId] : [tenantId, memberId];
  if (query.filter) sql += ` AND ${objectFilter(tenantId, GROUPS, query.filter, 'g.id', params) ?? '0'}`;
  return { sql, params };
}

export function listMemberOf(db: SqliteDatabase, tenantId: string, memberId: string, page: MemberOfQuery): Page<DirectoryGroup> {
  const limit = limitOf(page);
  const { sql, params } = memberOfRows(tenantId, memberId, page);
  let text = sql;
  if (page.cursor !== undefined) {
    text += ' AND g.id > ?';
    params.push(page.cursor);
  }
  const rows = all<Row>(db, `${text} ORDER BY g.id LIMIT ?`, [...params, limit + 1]);
  const items = rows.slice(0, limit).map((row) => toRecord<DirectoryGroup>(GROUPS, row));
  return rows.length > limit ? { items, cursor: items[limit - 1]!.id } : { items };
}

export function countMemberOf(db: SqliteDatabase, tenantId: string, memberId: string, query: Omit<MemberOfQuery, 'limit' | 'cursor'>): number {
  const { sql, params } = memberOfRows(tenantId, memberId, query);
  return get<{ n: number }>(db, `SELECT count(*) AS n FROM (${sql})`, params)!.n;
}

/** Bound on the objects of one many-read (a page of $top at most 999). */
const MANY_MAX = 1000;

function checkMany(ids: readonly string[], perObject: number): void {
  if (ids.length > MANY_MAX) throw new TypeError(`at most ${MANY_MAX} objects per read, not ${ids.length}`);
  if (!Number.isInteger(perObject) || perObject < 1 || perObject > PAGE_MAX) throw new TypeError(`perObject must be 1 … ${PAGE_MAX}`);
}

/**
 * The first `perObject` live groups of each member, in one statement: the ids go in as one
 * JSON array, ROW_NUMBER() numbers each member's groups in id order.
 */
export function listMemberOfMany(db: SqliteDatabase, tenantId: string, memberIds: readonly string[], perObject: number): Map<string, DirectoryGroup[]> {
  checkMany(memberIds, perObject);
  const result = new Map<string, DirectoryGroup[]>();
  if (memberIds.length === 0) return result;
  const rows = all<Row & { expand_owner: string }>(db, `SELECT * FROM (
      SELECT m.member_id AS expand_owner, g.*, ROW_NUMBER() OVER (PARTITION BY m.member_id ORDER BY g.id) AS expand_rank
      FROM directory_memberships m JOIN directory_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
      WHERE m.tenant_id = ? AND m.member_id IN (SELECT value FROM json_each(?)) AND g.deleted_date_time IS NULL)
    WHERE expand_rank <= ? ORDER BY expand_owner, id`, [tenantId, JSON.stringify(memberIds), perObject]);
  for (const row of rows) {
    const list = result.get(row.expand_owner) ?? [];
    list.push(toRecord<DirectoryGroup>(GROUPS, row));
    result.set(row.expand_owner, list);
  }
  return result;
}

/** The first `perObject` live direct members of each group, in one statement (member id order). */
export function listGroupMembersMany(db: SqliteDatabase, tenantId: string, groupIds: readonly string[], perObject: number): Map<string, MemberObject[]> {
  checkMany(groupIds, perObject);
  const result = new Map<string, MemberObject[]>();
  if (groupIds.length === 0) return result;
  const rows = all<{ group_id: string; member_id: string; member_type: MemberType }>(db, `SELECT group_id, member_id, member_type FROM (
      SELECT m.group_id, m.member_id, m.member_type, ROW_NUMBER() OVER (PARTITION BY m.group_id ORDER BY m.member_id) AS expand_rank
      FROM directory_memberships m
      LEFT JOIN directory_users u ON m.member_type = 'user' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
      LEFT JOIN directory_groups g ON m.member_type = 'group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
      WHERE m.tenant_id = ? AND m.group_id IN (SELECT value FROM json_each(?))
        AND ((u.id IS NOT NULL AND u.deleted_date_time IS NULL) OR (g.id IS NOT NULL AND g.deleted_date_time IS NULL)))
    WHERE expand_rank <= ? ORDER BY group_id, member_id`, [tenantId, JSON.stringify(groupIds), perObject]);
  for (const row of rows) {
    const member: MemberObject = row.member_type === 'user'
      ? { memberType: 'user', object: getObject<DirectoryUser>(db, USERS, tenantId, row.member_id, false)! }
      : { memberType: 'group', object: getObject<DirectoryGroup>(db, GROUPS, tenantId, row.member_id, false)! };
    const list = result.get(row.group_id) ?? [];
    list.push(member);
    result.set(row.group_id, list);
  }
  return result;
}

export function addPendingReferences(db: SqliteDatabase, tenantId: string, references: readonly Omit<PendingReference, 'createdDateTime'>[], now: string): void {
  for (const r of references) {
    run(db, 'INSERT OR IGNORE INTO directory_pending_references (tenant_id, group_id, reference, created_date_time) VALUES (?, ?, ?, ?)', [tenantId, r.groupId, r.reference, now]);
  }
}

export function removePendingReferences(db: SqliteDatabase, tenantId: string, references: readonly Omit<PendingReference, 'createdDateTime'>[]): void {
  for (const r of references) {
    run(db, 'DELETE FROM directory_pending_references WHERE tenant_id = ? AND group_id = ? AND reference = ?', [tenantId, r.groupId, r.reference]);
  }
}

/**
 * Set-based: the page's arrivals go in as one JSON array (json_each), joined to the pending
 * rows through the (tenant_id, reference) index, in one INSERT … SELECT and one DELETE per
 * chunk. The per-reference `DELETE … WHERE tenant_id = ? AND reference = ?` this replaces
 * was planned on the primary key (tenant_id=?) and scanned every pending row of the tenant
 * for each arrival (EXPLAIN QUERY PLAN: "USING PRIMARY KEY (tenant_id=?)").
 */
export function resolvePendingReferences(db: SqliteDatabase, tenantId: string, resolved: readonly { reference: string; memberId: string; memberType: MemberType }[]): number {
  let added = 0;
  for (let i = 0; i < resolved.length; i += RESOLVE_CHUNK) {
    const chunk = JSON.stringify(resolved.slice(i, i + RESOLVE_CHUNK).map((r) => [r.reference, r.memberId, r.memberType]));
    added += run(db, RESOLVE_INSERT, [chunk, tenantId]);
    run(db, RESOLVE_DELETE, [tenantId, chunk]);
  }
  return added;
}

const RESOLVE_CHUNK = 5000;
// CROSS JOIN keeps json_each outside (SQLite never reorders it), so each arrival is one
// index search; left to itself the planner scanned the tenant's pending rows instead.
// `p.reference = …` compares with the column's NOCASE collation, the index's (SQLite
// datatype3 §7.1: the left operand's column collation wins).
const RESOLVE_INSERT = `INSERT OR IGNORE INTO directory_memberships (tenant_id, group_id, member_id, member_type)
  SELECT p.tenant_id, p.group_id, j.value ->> 1, j.value ->> 2
  FROM json_each(?) j CROSS JOIN directory_pending_references p INDEXED BY directory_pending_references_reference
    ON p.tenant_id = ? AND p.reference = j.value ->> 0`;
const RESOLVE_DELETE = `DELETE FROM directory_pending_references INDEXED BY directory_pending_references_reference
  WHERE tenant_id = ? AND reference IN (SELECT value ->> 0 FROM json_each(?))`;

/** Keyset on (group_id, reference); the cursor is the JSON of the last pair. */
export function listPendingReferences(db: SqliteDatabase, tenantId: string, page: PageRequest & { groupId?: string }): Page<PendingReference> {
  const limit = limitOf(page);
  const params: unknown[] = [tenantId];
  let sql = 'SELECT group_id, reference, created_date_time FROM directory_pending_references WHERE tenant_id = ?';
  if (page.groupId !== undefined) {
    sql += ' AND group_id = ?';
    params.push(page.groupId);
  }
  if (page.cursor !== undefined) {
    const [groupId, reference] = JSON.parse(page.cursor) as [string, string];
    // A row value, so the keyset is a range on the primary key: the `a > ? OR (a = ? AND b > ?)`
    // form was planned as a scan from the tenant's first row for every page.
    sql += ' AND (group_id, reference) > (?, ?)';
    params.push(groupId, reference);
  }
  const rows = all<{ group_id: string; reference: string; created_date_time: string }>(db, `${sql} ORDER BY group_id, reference LIMIT ?`, [...params, limit + 1]);
  const items = rows.slice(0, limit).map((row) => ({ groupId: row.group_id, reference: row.reference, createdDateTime: row.created_date_time }));
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, cursor: JSON.stringify([last.groupId, last.reference]) } : { items };
}
