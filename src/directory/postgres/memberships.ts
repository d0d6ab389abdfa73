/**
 * Memberships by reference and the references still waiting for their member, as in
 * sqlite/memberships.ts. Batches go in as arrays (unnest), one statement per call.
 */
import type { DirectoryGroup, MemberObject, Membership, MemberType, PendingReference } from '../types.ts';
import { predicateProperties, type MemberOfQuery, type MemberQuery, type Page, type PageRequest, type Predicate } from '../store.ts';
import type { Queryable } from './connect.ts';
import { allProperties, toRecord, type ObjectTable } from './objects.ts';
import { USERS } from './users.ts';
import { GROUPS } from './groups.ts';
import { bind, compilePredicate, countOf } from './sql.ts';

const PAGE_MAX = 1000;
const limitOf = (page: PageRequest): number => Math.max(1, Math.min(PAGE_MAX, page.limit));

export async function addMembers(db: Queryable, tenantId: string, members: readonly Membership[]): Promise<void> {
  if (members.length === 0) return;
  await db.query(`INSERT INTO directory_memberships (tenant_id, group_id, member_id, member_type)
    SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
  [tenantId, members.map((m) => m.groupId), members.map((m) => m.memberId), members.map((m) => m.memberType)]);
}

export async function removeMembers(db: Queryable, tenantId: string, members: readonly Omit<Membership, 'memberType'>[]): Promise<void> {
  if (members.length === 0) return;
  await db.query(`DELETE FROM directory_memberships m USING unnest($2::text[], $3::text[]) AS r(group_id, member_id)
    WHERE m.tenant_id = $1 AND m.group_id = r.group_id AND m.member_id = r.member_id`,
  [tenantId, members.map((m) => m.groupId), members.map((m) => m.memberId)]);
}

export async function clearMembers(db: Queryable, tenantId: string, groupId: string): Promise<void> {
  await db.query('DELETE FROM directory_memberships WHERE tenant_id = $1 AND group_id = $2', [tenantId, groupId]);
}

/**
 * The member rows of a group, or with `transitive` of the group and its live nested groups, as
 * in sqlite/memberships.ts (recursive over group memberships; UNION ends a cycle). The
 * object's columns come as jsonb (u, g) in the same query. $1 tenant, $2 group, $3 type or null,
 * $4 one member id or null; a filter's values are bound after them, in `params`.
 */
function memberRows(query: Omit<MemberQuery, 'limit' | 'cursor'>, params: unknown[]): string {
  const groups = query.transitive
    ? `WITH RECURSIVE nested(id) AS (
        SELECT $2::text COLLATE "C"
        UNION
        SELECT m.member_id FROM directory_memberships m JOIN nested n ON m.group_id = n.id
          JOIN directory_groups g ON g.tenant_id = m.tenant_id AND g.id = m.member_id AND g.deleted_date_time IS NULL
        WHERE m.tenant_id = $1 AND m.member_type = 'group')`
    : '';
  const groupTest = query.transitive ? 'm.group_id IN (SELECT id FROM nested) AND m.member_id <> $2' : 'm.group_id = $2';
  return `${groups} SELECT DISTINCT ON (m.member_id) m.member_id, m.member_type, to_jsonb(u.*) AS u, to_jsonb(g.*) AS g FROM directory_memberships m
  LEFT JOIN directory_users u ON m.member_type = 'user' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
  LEFT JOIN directory_groups g ON m.member_type = 'group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
  WHERE m.tenant_id = $1 AND ${groupTest} AND ($3::text IS NULL OR m.member_type = $3) AND ($4::text IS NULL OR m.member_id = $4)
    AND ((u.id IS NOT NULL AND u.deleted_date_time IS NULL) OR (g.id IS NOT NULL AND g.deleted_date_time IS NULL))${query.filter ? ` AND ${memberFilter(query.filter, query.memberType, params)}` : ''}`;
}

/** `filter` on the objects of table ($1 is the tenant), as `column IN (…)`; undefined when the table lacks a property it names. */
function objectFilter(table: ObjectTable, filter: Predicate, column: string, params: unknown[]): string | undefined {
  const properties = allProperties(table);
  if (![...predicateProperties(filter)].every((name) => name in properties)) return undefined;
  return `${column} IN (SELECT id FROM ${table.table} WHERE tenant_id = $1 AND ${compilePredicate(filter, properties, params)})`;
}

/** A member filter: each member type tested against its own table, as in sqlite/memberships.ts. */
function memberFilter(filter: Predicate, memberType: MemberType | undefined, params: unknown[]): string {
  const parts: string[] = [];
  for (const [type, table] of [['user', USERS], ['group', GROUPS]] as const) {
    if (memberType !== undefined && memberType !== type) continue;
    const test = objectFilter(table, filter, 'm.member_id', params);
    if (test) parts.push(`(m.member_type = '${type}' AND ${test})`);
  }
  return parts.length === 0 ? 'false' : `(${parts.join(' OR ')})`;
}

export async function listGroupMembers(db: Queryable, tenantId: string, groupId: string, page: MemberQuery): Promise<Page<MemberObject>> {
  const limit = limitOf(page);
  const params: unknown[] = [tenantId, groupId, page.memberType ?? null, page.memberId ?? null];
  let sql = memberRows(page, params);
  if (page.cursor !== undefined) sql += ` AND m.member_id > ${bind(params, page.cursor)}`;
  const { rows } = await db.query<{ member_id: string; member_type: MemberType; u: Record<string, unknown> | null; g: Record<string, unknown> | null }>(
    `${sql} ORDER BY m.member_id LIMIT ${bind(params, limit + 1)}`, params);
  const items = rows.slice(0, limit).map((row): MemberObject => row.member_type === 'user'
    ? { memberType: 'user', object: toRecord(USERS, row.u!) }
    : { memberType: 'group', object: toRecord(GROUPS, row.g!) });
  return rows.length > limit ? { items, cursor: rows[limit - 1]!.member_id } : { items };
}

export async function countGroupMembers(db: Queryable, tenantId: string, groupId: string, query: Omit<MemberQuery, 'limit' | 'cursor'>): Promise<number> {
  const params: unknown[] = [tenantId, groupId, query.memberType ?? null, query.memberId ?? null];
  return countOf((await db.query(`SELECT count(*) AS n FROM (${memberRows(query, params)}) AS members`, params)).rows[0]);
}

/** The live groups above a member, as in sqlite/memberships.ts; $1 tenant, $2 member, then the filter's values. */
function memberOfRows(query: Omit<MemberOfQuery, 'limit' | 'cursor'>, params: unknown[]): string {
  const sql = query.transitive
    ? `WITH RECURSIVE up(id) AS (
        SELECT group_id FROM directory_memberships WHERE tenant_id = $1 AND member_id = $2
        UNION
        SELECT m.group_id FROM directory_memberships m JOIN up ON m.member_id = up.id
          JOIN directory_groups live ON live.tenant_id = m.tenant_id AND live.id = up.id AND live.deleted_date_time IS NULL
        WHERE m.tenant_id = $1 AND m.member_type = 'group')
      SELECT g.* FROM directory_groups g WHERE g.tenant_id = $1 AND g.id IN (SELECT id FROM up) AND g.id <> $2 AND g.deleted_date_time IS NULL`
    : `SELECT g.* FROM directory_memberships m JOIN directory_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
    WHERE m.tenant_id = $1 AND m.member_id = $2 AND g.deleted_date_time IS NULL`;
  return query.filter ? `${sql} AND ${objectFilter(GROUPS, query.filter, 'g.id', params) ?? 'false'}` : sql;
}

export async function listMemberOf(db: Queryable, tenantId: string, memberId: string, page: MemberOfQuery): Promise<Page<DirectoryGroup>> {
  const limit = limitOf(page);
  const params: unknown[] = [tenantId, memberId];
  let sql = memberOfRows(page, params);
  if (page.cursor !== undefined) sql += ` AND g.id > ${bind(params, page.cursor)}`;
  const { rows } = await db.query(`${sql} ORDER BY g.id LIMIT ${bind(params, limit + 1)}`, params);
  const items = rows.slice(0, limit).map((row) => toRecord<DirectoryGroup>(GROUPS, row));
  return rows.length > limit ? { items, cursor: items[limit - 1]!.id } : { items };
}

export async function countMemberOf(db: Queryable, tenantId: string, memberId: string, query: Omit<MemberOfQuery, 'limit' | 'cursor'>): Promise<number> {
  const params: unknown[] = [tenantId, memberId];
  return countOf((await db.query(`SELECT count(*) AS n FROM (${memberOfRows(query, params)}) AS parents`, params)).rows[0]);
}

/** Bound on the objects of one many-read (a page of $top at most 999). */
const MANY_MAX = 1000;

function checkMany(ids: readonly string[], perObject: number): void {
  if (ids.length > MANY_MAX) throw new TypeError(`at most ${MANY_MAX} objects per read, not ${ids.length}`);
  if (!Number.isInteger(perObject) || perObject < 1 || perObject > PAGE_MAX) throw new TypeError(`perObject must be 1 … ${PAGE_MAX}`);
}

/** As sqlite/memberships.ts: each member's first `perObject` live groups, ids as one array. */
export async function listMemberOfMany(db: Queryable, tenantId: string, memberIds: readonly string[], perObject: number): Promise<Map<string, DirectoryGroup[]>> {
  checkMany(memberIds, perObject);
  const result = new Map<string, DirectoryGroup[]>();
  if (memberIds.length === 0) return result;
  const { rows } = await db.query(`SELECT * FROM (
      SELECT m.member_id AS expand_owner, g.*, ROW_NUMBER() OVER (PARTITION BY m.member_id ORDER BY g.id) AS expand_rank
      FROM directory_memberships m JOIN directory_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
      WHERE m.tenant_id = $1 AND m.member_id = ANY($2::text[]) AND g.deleted_date_time IS NULL) AS ranked
    WHERE expand_rank <= $3 ORDER BY expand_owner, id`, [tenantId, memberIds, perObject]);
  for (const row of rows) {
    const owner = row.expand_owner as string;
    const list = result.get(owner) ?? [];
    list.push(toRecord<DirectoryGroup>(GROUPS, row));
    result.set(owner, list);
  }
  return result;
}

/** As sqlite/memberships.ts: each group's first `perObject` live direct members, objects as jsonb. */
export async function listGroupMembersMany(db: Queryable, tenantId: string, groupIds: readonly string[], perObject: number): Promise<Map<string, MemberObject[]>> {
  checkMany(groupIds, perObject);
  const result = new Map<string, MemberObject[]>();
  if (groupIds.length === 0) return result;
  const { rows } = await db.query<{ group_id: string; member_type: MemberType; u: Record<string, unknown> | null; g: Record<string, unknown> | null }>(`SELECT * FROM (
      SELECT m.group_id, m.member_id, m.member_type, to_jsonb(u.*) AS u, to_jsonb(g.*) AS g,
        ROW_NUMBER() OVER (PARTITION BY m.group_id ORDER BY m.member_id) AS expand_rank
      FROM directory_memberships m
      LEFT JOIN directory_users u ON m.member_type = 'user' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
      LEFT JOIN directory_groups g ON m.member_type = 'group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
      WHERE m.tenant_id = $1 AND m.group_id = ANY($2::text[])
        AND ((u.id IS NOT NULL AND u.deleted_date_time IS NULL) OR (g.id IS NOT NULL AND g.deleted_date_time IS NULL))) AS ranked
    WHERE expand_rank <= $3 ORDER BY group_id, member_id`, [tenantId, groupIds, perObject]);
  for (const row of rows) {
    const member: MemberObject = row.member_type === 'user'
      ? { memberType: 'user', object: toRecord(USERS, row.u!) }
      : { memberType: 'group', object: toRecord(GROUPS, row.g!) };
    const list = result.get(row.group_id) ?? [];
    list.push(member);
    result.set(row.group_id, list);
  }
  return result;
}

export async function addPendingReferences(db: Queryable, tenantId: string, references: readonly Omit<PendingReference, 'createdDateTime'>[], now: string): Promise<void> {
  if (references.length === 0) return;
  await db.query(`INSERT INTO directory_pending_references (tenant_id, group_id, reference, created_date_time)
    SELECT $1, r.group_id, r.reference, $4 FROM unnest($2::text[], $3::text[]) AS r(group_id, reference) ON CONFLICT DO NOTHING`,
  [tenantId, references.map((r) => r.groupId), references.map((r) => r.reference), now]);
}

export async function removePendingReferences(db: Queryable, tenantId: string, references: readonly Omit<PendingReference, 'createdDateTime'>[]): Promise<void> {
  if (references.length === 0) return;
  await db.query(`DELETE FROM directory_pending_references p USING unnest($2::text[], $3::citext[]) AS r(group_id, reference)
    WHERE p.tenant_id = $1 AND p.group_id = r.group_id AND p.reference = r.reference`,
  [tenantId, references.map((r) => r.groupId), references.map((r) => r.reference)]);
}

/**
 * Set-based, as in SQLite: the arrivals join the pending rows through the (tenant_id,
 * reference) index in one INSERT … SELECT, then one DELETE. citext makes the reference
 * match without case, as SQLite's NOCASE column does.
 */
export async function resolvePendingReferences(db: Queryable, tenantId: string, resolved: readonly { reference: string; memberId: string; memberType: MemberType }[]): Promise<number> {
  if (resolved.length === 0) return 0;
  const params = [tenantId, resolved.map((r) => r.reference), resolved.map((r) => r.memberId), resolved.map((r) => r.memberType)];
  const added = await db.query(`INSERT INTO directory_memberships (tenant_id, group_id, member_id, member_type)
    SELECT p.tenant_id, p.group_id, r.member_id, r.member_type
    FROM unnest($2::citext[], $3::text[], $4::text[]) AS r(reference, member_id, member_type)
    JOIN directory_pending_references p ON p.tenant_id = $1 AND p.reference = r.reference
    ON CONFLICT DO NOTHING`, params);
  await db.query('DELETE FROM directory_pending_references WHERE tenant_id = $1 AND reference = ANY($2::citext[])', [tenantId, params[1]]);
  return added.rowCount ?? 0;
}

/** Keyset on (group_id, reference); the cursor is the JSON of the last pair. */
export async function listPendingReferences(db: Queryable, tenantId: string, page: PageRequest & { groupId?: string }): Promise<Page<PendingReference>> {
  const limit = limitOf(page);
  const params: unknown[] = [tenantId];
  let sql = 'SELECT group_id, reference, created_date_time FROM directory_pending_references WHERE tenant_id = $1';
  if (page.groupId !== undefined) sql += ` AND group_id = ${bind(params, page.groupId)}`;
  if (page.cursor !== undefined) {
    const [groupId, reference] = JSON.parse(page.cursor) as [string, string];
    sql += ` AND (group_id, reference) > (${bind(params, groupId)}, ${bind(params, reference)}::citext)`;
  }
  const { rows } = await db.query<{ group_id: string; reference: string; created_date_time: string }>(
    `${sql} ORDER BY group_id, reference LIMIT ${bind(params, limit + 1)}`, params);
  const items = rows.slice(0, limit).map((row) => ({ groupId: row.group_id, reference: row.reference, createdDateTime: row.created_date_time }));
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, cursor: JSON.stringify([last.groupId, last.reference]) } : { items };
}
