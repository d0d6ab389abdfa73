/**
 * Users and groups on Postgres: the same table layout and the same property tables as the
 * SQLite adapter (sqlite/objects.ts), with keyset paging on id.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectQuery, Page, Predicate } from '../store.ts';
import { COMMON_PROPERTIES, snakeCase, type PropertyKind } from '../properties.ts';
import type { ObjectTable } from '../sqlite/objects.ts';
import type { Queryable } from './connect.ts';
import { bind, compilePredicate, countOf, fromColumn, toColumn, type Row } from './sql.ts';

export type { ObjectTable };

const PAGE_MAX = 1000;
/** Rows per INSERT: well under Postgres' 65535 bound parameters for the widest table. */
const INSERT_CHUNK = 500;

export function allProperties(table: ObjectTable): Readonly<Record<string, PropertyKind>> {
  return { ...COMMON_PROPERTIES, ...table.properties };
}

export function toRecord<T>(table: ObjectTable, row: Row): T {
  const record: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(allProperties(table))) record[name] = fromColumn(kind, row[snakeCase(name)]);
  return record as T;
}

export async function getObject<T>(db: Queryable, table: ObjectTable, tenantId: string, id: string, includeDeleted: boolean): Promise<T | undefined> {
  const { rows } = await db.query(`SELECT * FROM ${table.table} WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  const row = rows[0];
  if (!row || (!includeDeleted && row.deleted_date_time !== null)) return undefined;
  return toRecord<T>(table, row);
}

/** The first object (live first, then deleted) whose property equals the value. */
export async function findObjectBy<T>(db: Queryable, table: ObjectTable, tenantId: string, property: string, value: string): Promise<T | undefined> {
  const params: unknown[] = [tenantId];
  const where = compilePredicate({ op: 'eq', property, value }, table.properties, params);
  const { rows } = await db.query(`SELECT * FROM ${table.table} WHERE tenant_id = $1 AND ${where} ORDER BY deleted_date_time IS NOT NULL, id LIMIT 1`, params);
  return rows[0] ? toRecord<T>(table, rows[0]) : undefined;
}

function whereOf(table: ObjectTable, tenantId: string, query: { filter?: Predicate; deleted?: boolean }, params: unknown[]): string {
  let where = `tenant_id = ${bind(params, tenantId)} AND deleted_date_time IS ${query.deleted ? 'NOT NULL' : 'NULL'}`;
  if (query.filter) where += ` AND ${compilePredicate(query.filter, allProperties(table), params)}`;
  return where;
}

/** Keyset on id (COLLATE "C" in the schema: byte order, as in SQLite). */
export async function listObjects<T extends { id: string }>(db: Queryable, table: ObjectTable, tenantId: string, query: ObjectQuery): Promise<Page<T>> {
  if (query.orderBy) return listOrdered<T>(db, table, tenantId, query, query.orderBy);
  const limit = Math.max(1, Math.min(PAGE_MAX, query.limit));
  const params: unknown[] = [];
  let where = whereOf(table, tenantId, query, params);
  if (query.cursor !== undefined) where += ` AND id > ${bind(params, query.cursor)}`;
  const { rows } = await db.query(`SELECT * FROM ${table.table} WHERE ${where} ORDER BY id LIMIT ${bind(params, limit + 1)}`, params);
  const items = rows.slice(0, limit).map((row) => toRecord<T>(table, row));
  return rows.length > limit ? { items, cursor: items[items.length - 1]!.id } : { items };
}

/** Keyset on (key, id), key the citext property with null as '' (as sqlite/objects.ts); the cursor is JSON [key, id]. */
async function listOrdered<T extends { id: string }>(db: Queryable, table: ObjectTable, tenantId: string, query: ObjectQuery, order: NonNullable<ObjectQuery['orderBy']>): Promise<Page<T>> {
  if (table.properties[order.property] !== 'string') throw new TypeError(`${table.table} cannot be ordered by ${order.property}`);
  const limit = Math.max(1, Math.min(PAGE_MAX, query.limit));
  const key = `coalesce(${snakeCase(order.property)}, ''::citext)`;
  const [after, direction] = order.descending ? ['<', 'DESC'] : ['>', 'ASC'];
  const params: unknown[] = [];
  let where = whereOf(table, tenantId, query, params);
  if (query.cursor !== undefined) {
    const [value, id] = JSON.parse(query.cursor) as [string, string];
    const v = bind(params, value);
    where += ` AND ${key} ${after}= ${v}::citext AND (${key} ${after} ${v}::citext OR id ${after} ${bind(params, id)})`;
  }
  const { rows } = await db.query(`SELECT * FROM ${table.table} WHERE ${where} ORDER BY ${key} ${direction}, id ${direction} LIMIT ${bind(params, limit + 1)}`, params);
  const items = rows.slice(0, limit).map((row) => toRecord<T>(table, row));
  if (rows.length <= limit) return { items };
  const last = items[items.length - 1] as T & Record<string, unknown>;
  return { items, cursor: JSON.stringify([last[order.property] ?? '', last.id]) };
}

export async function countObjects(db: Queryable, table: ObjectTable, tenantId: string, query: { filter?: Predicate; deleted?: boolean }): Promise<number> {
  const params: unknown[] = [];
  const where = whereOf(table, tenantId, query, params);
  return countOf((await db.query(`SELECT count(*) AS n FROM ${table.table} WHERE ${where}`, params)).rows[0]);
}

/** Multi-row INSERTs, a chunk at a time: one round trip per chunk, not per object. */
export async function createObjects<T>(db: Queryable, table: ObjectTable, tenantId: string, inputs: readonly (Record<string, unknown> & { id?: string })[], now: string): Promise<T[]> {
  const names = Object.keys(table.properties);
  const columns = `tenant_id, id, created_date_time, deleted_date_time, ${names.map(snakeCase).join(', ')}`;
  const records: T[] = [];
  for (let start = 0; start < inputs.length; start += INSERT_CHUNK) {
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const input of inputs.slice(start, start + INSERT_CHUNK)) {
      const record: Record<string, unknown> = { id: input.id ?? randomUUID(), createdDateTime: now, deletedDateTime: null };
      const marks = [bind(params, tenantId), bind(params, record.id), bind(params, now), 'NULL'];
      for (const name of names) {
        const value = input[name] ?? table.defaults[name] ?? (table.properties[name] === 'strings' ? [] : null);
        record[name] = value;
        marks.push(bind(params, toColumn(table.properties[name]!, value)));
      }
      tuples.push(`(${marks.join(', ')})`);
      records.push(record as T);
    }
    await db.query(`INSERT INTO ${table.table} (${columns}) VALUES ${tuples.join(', ')}`, params);
  }
  return records;
}

/** Updates the given properties of one object and returns it as stored, or undefined when absent. */
export async function updateObject<T>(db: Queryable, table: ObjectTable, tenantId: string, change: Record<string, unknown> & { id: string }): Promise<T | undefined> {
  const names = Object.keys(change).filter((name) => name !== 'id' && change[name] !== undefined);
  for (const name of names) {
    if (!(name in table.properties)) throw new TypeError(`${name} is not a property of ${table.table}`);
  }
  if (names.length === 0) return getObject<T>(db, table, tenantId, change.id, true);
  const params: unknown[] = [];
  const sets = names.map((name) => `${snakeCase(name)} = ${bind(params, toColumn(table.properties[name]!, change[name]))}`).join(', ');
  const { rows } = await db.query(`UPDATE ${table.table} SET ${sets} WHERE tenant_id = ${bind(params, tenantId)} AND id = ${bind(params, change.id)} RETURNING *`, params);
  return rows[0] ? toRecord<T>(table, rows[0]) : undefined;
}

/** Sets (soft delete) or clears (restore) deletedDateTime; returns how many changed state. */
export async function setDeleted(db: Queryable, table: ObjectTable, tenantId: string, ids: readonly string[], at: string | null): Promise<number> {
  if (ids.length === 0) return 0;
  const result = at === null
    ? await db.query(`UPDATE ${table.table} SET deleted_date_time = NULL WHERE tenant_id = $1 AND id = ANY($2) AND deleted_date_time IS NOT NULL`, [tenantId, [...ids]])
    : await db.query(`UPDATE ${table.table} SET deleted_date_time = $3 WHERE tenant_id = $1 AND id = ANY($2) AND deleted_date_time IS NULL`, [tenantId, [...ids], at]);
  return result.rowCount ?? 0;
}

/** Hard-deletes objects deleted before `before`, with every membership naming them. */
export async function purgeObjects(db: Queryable, table: ObjectTable, tenantId: string, before: string): Promise<number> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM ${table.table} WHERE tenant_id = $1 AND deleted_date_time IS NOT NULL AND deleted_date_time < $2`, [tenantId, before]);
  if (rows.length === 0) return 0;
  const ids = rows.map((row) => row.id);
  await db.query('DELETE FROM directory_memberships WHERE tenant_id = $1 AND member_id = ANY($2)', [tenantId, ids]);
  const result = await db.query(`DELETE FROM ${table.table} WHERE tenant_id = $1 AND id = ANY($2)`, [tenantId, ids]);
  return result.rowCount ?? 0;
}
