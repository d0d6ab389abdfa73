/**
 * Users and groups share one table layout (id, created/deleted times, one column per
 * property): these functions serve both, driven by the property tables of properties.ts.
 * Lists are keyset-paged on id, so page N costs the same as page 1.
 */
import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from './open-database.ts';
import type { ObjectQuery, Page, Predicate } from '../store.ts';
import { COMMON_PROPERTIES, snakeCase, type PropertyKind } from '../properties.ts';
import { all, compilePredicate, fromColumn, get, placeholders, run, statement, toColumn, type Row } from './sql.ts';

export interface ObjectTable {
  readonly table: string;
  /** Writable properties (excluding id, createdDateTime, deletedDateTime). */
  readonly properties: Readonly<Record<string, PropertyKind>>;
  /** Values a new object gets for properties the caller leaves out. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

const PAGE_MAX = 1000;

const merged = new WeakMap<ObjectTable, Readonly<Record<string, PropertyKind>>>();
const columns = new WeakMap<ObjectTable, readonly (readonly [name: string, column: string, kind: PropertyKind])[]>();

export function allProperties(table: ObjectTable): Readonly<Record<string, PropertyKind>> {
  let properties = merged.get(table);
  if (!properties) {
    properties = Object.freeze({ ...COMMON_PROPERTIES, ...table.properties });
    merged.set(table, properties);
  }
  return properties;
}

/** A row as a record; the column list of a table is worked out once (every read goes through here). */
export function toRecord<T>(table: ObjectTable, row: Row): T {
  let list = columns.get(table);
  if (!list) {
    list = Object.entries(allProperties(table)).map(([name, kind]) => [name, snakeCase(name), kind] as const);
    columns.set(table, list);
  }
  const record: Record<string, unknown> = {};
  for (const [name, column, kind] of list) record[name] = fromColumn(kind, row[column]);
  return record as T;
}

export function getObject<T>(db: SqliteDatabase, table: ObjectTable, tenantId: string, id: string, includeDeleted: boolean): T | undefined {
  const row = get(db, `SELECT * FROM ${table.table} WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  if (!row || (!includeDeleted && row.deleted_date_time !== null)) return undefined;
  return toRecord<T>(table, row);
}

/** The first object (live first, then deleted) whose property equals the value. */
export function findObjectBy<T>(db: SqliteDatabase, table: ObjectTable, tenantId: string, property: string, value: string): T | undefined {
  const predicate: Predicate = { op: 'eq', property, value };
  const params: unknown[] = [tenantId];
  const where = compilePredicate(predicate, table.properties, params);
  const row = get(db, `SELECT * FROM ${table.table} WHERE tenant_id = ? AND ${where} ORDER BY deleted_date_time IS NOT NULL, id LIMIT 1`, params);
  return row ? toRecord<T>(table, row) : undefined;
}

function whereOf(table: ObjectTable, tenantId: string, query: { filter?: Predicate; deleted?: boolean }, params: unknown[]): string {
  params.push(tenantId);
  let where = `tenant_id = ? AND deleted_date_time IS ${query.deleted ? 'NOT NULL' : 'NULL'}`;
  if (query.filter) where += ` AND ${compilePredicate(query.filter, allProperties(table), params)}`;
  return where;
}

export function listObjects<T extends { id: string }>(db: SqliteDatabase, table: ObjectTable, tenantId: string, query: ObjectQuery): Page<T> {
  if (query.orderBy) return listOrdered<T>(db, table, tenantId, query, query.orderBy);
  const limit = Math.max(1, Math.min(PAGE_MAX, query.limit));
  const params: unknown[] = [];
  let where = whereOf(table, tenantId, query, params);
  if (query.cursor !== undefined) {
    where += ' AND id > ?';
    params.push(query.cursor);
  }
  params.push(limit + 1);
  const rows = all(db, `SELECT * FROM ${table.table} WHERE ${where} ORDER BY id LIMIT ?`, params);
  const items = rows.slice(0, limit).map((row) => toRecord<T>(table, row));
  return rows.length > limit ? { items, cursor: items[items.length - 1]!.id } : { items };
}

/** Keyset on (key, id) where key is the property without case, null as ''; the cursor is JSON [key, id]. */
function listOrdered<T extends { id: string }>(db: SqliteDatabase, table: ObjectTable, tenantId: string, query: ObjectQuery, order: NonNullable<ObjectQuery['orderBy']>): Page<T> {
  if (table.properties[order.property] !== 'string') throw new TypeError(`${table.table} cannot be ordered by ${order.property}`);
  const limit = Math.max(1, Math.min(PAGE_MAX, query.limit));
  const key = `coalesce(${snakeCase(order.property)}, '') COLLATE NOCASE`;
  const [after, direction] = order.descending ? ['<', 'DESC'] : ['>', 'ASC'];
  const params: unknown[] = [];
  let where = whereOf(table, tenantId, query, params);
  if (query.cursor !== undefined) {
    const [value, id] = JSON.parse(query.cursor) as [string, string];
    // (key, id) after the cursor, written so that the first term seeks the order index (directory-008).
    where += ` AND ${key} ${after}= ? AND (${key} ${after} ? OR id ${after} ?)`;
    params.push(value, value, id);
  }
  params.push(limit + 1);
  const rows = all(db, `SELECT * FROM ${table.table} WHERE ${where} ORDER BY ${key} ${direction}, id ${direction} LIMIT ?`, params);
  const items = rows.slice(0, limit).map((row) => toRecord<T>(table, row));
  if (rows.length <= limit) return { items };
  const last = items[items.length - 1] as T & Record<string, unknown>;
  return { items, cursor: JSON.stringify([last[order.property] ?? '', last.id]) };
}

export function countObjects(db: SqliteDatabase, table: ObjectTable, tenantId: string, query: { filter?: Predicate; deleted?: boolean }): number {
  const params: unknown[] = [];
  const where = whereOf(table, tenantId, query, params);
  return get<{ n: number }>(db, `SELECT count(*) AS n FROM ${table.table} WHERE ${where}`, params)!.n;
}

const insertSql = new WeakMap<ObjectTable, { names: readonly string[]; sql: string }>();

/** The INSERT of a table, built once (the statement cache keys on its text). */
function insertOf(table: ObjectTable): { names: readonly string[]; sql: string } {
  let insert = insertSql.get(table);
  if (!insert) {
    const names = Object.keys(table.properties);
    const sql = `INSERT INTO ${table.table} (tenant_id, id, created_date_time, deleted_date_time, ${names.map(snakeCase).join(', ')})
    VALUES (?, ?, ?, NULL, ${placeholders(names.length)})`;
    insert = { names, sql };
    insertSql.set(table, insert);
  }
  return insert;
}

export function createObjects<T>(db: SqliteDatabase, table: ObjectTable, tenantId: string, inputs: readonly (Record<string, unknown> & { id?: string })[], now: string): T[] {
  const { names, sql } = insertOf(table);
  const insert = statement(db, sql);
  return inputs.map((input) => {
    const record: Record<string, unknown> = { id: input.id ?? randomUUID(), createdDateTime: now, deletedDateTime: null };
    const values: unknown[] = [tenantId, record.id, now];
    for (const name of names) {
      const value = input[name] ?? table.defaults[name] ?? (table.properties[name] === 'strings' ? [] : null);
      record[name] = value;
      values.push(toColumn(table.properties[name]!, value));
    }
    insert.run(...values);
    return record as T;
  });
}

/**
 * Updates the given properties of one object and returns it as stored (deleted or not), or
 * undefined when it does not exist: one `UPDATE … RETURNING *`, not an update and a read.
 */
export function updateObject<T>(db: SqliteDatabase, table: ObjectTable, tenantId: string, change: Record<string, unknown> & { id: string }): T | undefined {
  const names = Object.keys(change).filter((name) => name !== 'id' && change[name] !== undefined);
  for (const name of names) {
    if (!(name in table.properties)) throw new TypeError(`${name} is not a property of ${table.table}`);
  }
  if (names.length === 0) return getObject<T>(db, table, tenantId, change.id, true);
  const sets = names.map((name) => `${snakeCase(name)} = ?`).join(', ');
  const values = names.map((name) => toColumn(table.properties[name]!, change[name]));
  const row = get(db, `UPDATE ${table.table} SET ${sets} WHERE tenant_id = ? AND id = ? RETURNING *`, [...values, tenantId, change.id]);
  return row ? toRecord<T>(table, row) : undefined;
}

/** Sets (soft delete) or clears (restore) deletedDateTime; returns how many changed state. */
export function setDeleted(db: SqliteDatabase, table: ObjectTable, tenantId: string, ids: readonly string[], at: string | null): number {
  const sql = at === null
    ? `UPDATE ${table.table} SET deleted_date_time = NULL WHERE tenant_id = ? AND id = ? AND deleted_date_time IS NOT NULL`
    : `UPDATE ${table.table} SET deleted_date_time = ? WHERE tenant_id = ? AND id = ? AND deleted_date_time IS NULL`;
  let changed = 0;
  for (const id of ids) changed += run(db, sql, at === null ? [tenantId, id] : [at, tenantId, id]);
  return changed;
}

/**
 * Hard-deletes objects deleted before `before`, with every membership naming them. Runs at
 * the end of every cycle, so the usual case (nothing to purge) must cost an index probe, not
 * a scan: the ids come first from the deleted index, and their memberships go through the
 * member index (INDEXED BY: with `member_id IN (SELECT …)` the planner scanned every
 * membership of the tenant, EXPLAIN QUERY PLAN "USING PRIMARY KEY (tenant_id=?)").
 */
export function purgeObjects(db: SqliteDatabase, table: ObjectTable, tenantId: string, before: string): number {
  const ids = all<{ id: string }>(db, `SELECT id FROM ${table.table} WHERE tenant_id = ? AND deleted_date_time IS NOT NULL AND deleted_date_time < ?`, [tenantId, before]);
  let purged = 0;
  for (let i = 0; i < ids.length; i += PURGE_CHUNK) {
    const chunk = JSON.stringify(ids.slice(i, i + PURGE_CHUNK).map((row) => row.id));
    run(db, `DELETE FROM directory_memberships INDEXED BY directory_memberships_member
      WHERE tenant_id = ? AND member_id IN (SELECT value FROM json_each(?))`, [tenantId, chunk]);
    purged += run(db, `DELETE FROM ${table.table} WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`, [tenantId, chunk]);
  }
  return purged;
}

const PURGE_CHUNK = 1000;
