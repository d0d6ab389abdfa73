/**
 * Shared SQLite plumbing: a per-connection statement cache, value conversions between
 * records and columns, and the translation of a store Predicate into a WHERE clause.
 */
import type { Statement } from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { CACHE_BOUNDS } from '../../core/cache-bounds.ts';
import type { SqliteDatabase } from './open-database.ts';
import { LAMBDA_ELEMENT, type Predicate } from '../store.ts';
import { snakeCase, type PropertyKind } from '../properties.ts';

export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

const cache = new WeakMap<SqliteDatabase, LRUCache<string, Statement>>();

/**
 * Prepares once per connection: statements are reused across batches. The texts of the
 * writes are fixed, but each $filter shape makes its own SELECT, so the cache keeps the
 * CACHE_BOUNDS.sqliteStatements most recently used; an evicted statement is freed when
 * collected (better-sqlite3 finalizes it then).
 */
export function statement(db: SqliteDatabase, sql: string): Statement {
  let byText = cache.get(db);
  if (!byText) {
    byText = new LRUCache({ max: CACHE_BOUNDS.sqliteStatements });
    cache.set(db, byText);
  }
  let prepared = byText.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    byText.set(sql, prepared);
  }
  return prepared;
}

export function all<T = Row>(db: SqliteDatabase, sql: string, params: readonly unknown[]): T[] {
  return statement(db, sql).all(...params) as T[];
}

export function get<T = Row>(db: SqliteDatabase, sql: string, params: readonly unknown[]): T | undefined {
  return statement(db, sql).get(...params) as T | undefined;
}

export function run(db: SqliteDatabase, sql: string, params: readonly unknown[]): number {
  return statement(db, sql).run(...params).changes;
}

export function toColumn(kind: PropertyKind, value: unknown): SqlValue {
  if (value === undefined || value === null) return kind === 'strings' ? '[]' : null;
  switch (kind) {
    case 'boolean':
      return value ? 1 : 0;
    case 'strings':
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

export function fromColumn(kind: PropertyKind, value: unknown): unknown {
  switch (kind) {
    case 'boolean':
      return value === null || value === undefined ? null : value === 1;
    case 'strings':
      return typeof value === 'string' ? JSON.parse(value) : [];
    default:
      return value ?? null;
  }
}

export function rowToRecord<T>(row: Row, properties: Readonly<Record<string, PropertyKind>>, extra: Record<string, unknown> = {}): T {
  const record: Record<string, unknown> = { ...extra };
  for (const [name, kind] of Object.entries(properties)) record[name] = fromColumn(kind, row[snakeCase(name)]);
  return record as T;
}

/** `IN (?, ?, …)` placeholders for a batch. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/** Escapes LIKE wildcards; the clause uses ESCAPE '\'. */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Compiles a Predicate to SQL over the given properties. Columns declared COLLATE NOCASE make
 * `=` case-insensitive as Graph compares strings; LIKE is case-insensitive for ASCII. `ne`
 * matches nulls too, as Graph's advanced `ne` does (`onPremisesSyncEnabled ne true` lists
 * cloud-only users), and so does `not` (coalesce turns unknown into false before negating).
 * A multi-valued property is a JSON array column: `any`/`all` test its elements through
 * json_each, each compared without case. Datetimes are compared as instants (julianday), so
 * `…T00:00:00Z` and `…T00:00:00.000Z` are equal.
 */
export function compilePredicate(
  predicate: Predicate,
  properties: Readonly<Record<string, PropertyKind>>,
  params: unknown[],
): string {
  switch (predicate.op) {
    case 'and':
    case 'or':
      if (predicate.operands.length === 0) return predicate.op === 'and' ? '1' : '0';
      return `(${predicate.operands.map((p) => compilePredicate(p, properties, params)).join(` ${predicate.op.toUpperCase()} `)})`;
    case 'not':
      return `NOT coalesce(${compilePredicate(predicate.operand, properties, params)}, 0)`;
    case 'any':
    case 'all': {
      if (properties[predicate.property] !== 'strings') throw new TypeError(`property ${predicate.property} is not a collection`);
      const column = snakeCase(predicate.property);
      const where = compilePredicate(predicate.where, ELEMENT_PROPERTIES, params);
      return predicate.op === 'any'
        ? `EXISTS (SELECT 1 FROM json_each(${column}) AS e WHERE ${where})`
        : `NOT EXISTS (SELECT 1 FROM json_each(${column}) AS e WHERE NOT coalesce(${where}, 0))`;
    }
    default:
      return compileComparison(predicate, properties, params);
  }
}

const ELEMENT_PROPERTIES: Readonly<Record<string, PropertyKind>> = Object.freeze({ [LAMBDA_ELEMENT]: 'string' });

type Comparison = Exclude<Predicate, { op: 'and' | 'or' | 'not' | 'any' | 'all' }>;

function compileComparison(predicate: Comparison, properties: Readonly<Record<string, PropertyKind>>, params: unknown[]): string {
  const kind = properties[predicate.property];
  if (kind === undefined || kind === 'strings') throw new TypeError(`property ${predicate.property} cannot be filtered`);
  const raw = predicate.property === LAMBDA_ELEMENT ? 'e.value COLLATE NOCASE' : snakeCase(predicate.property);
  // Datetimes as instants; the placeholder is wrapped the same way.
  const column = kind === 'datetime' ? `julianday(${raw})` : raw;
  const mark = kind === 'datetime' ? 'julianday(?)' : '?';
  switch (predicate.op) {
    case 'eq':
      if (predicate.value === null) return `${raw} IS NULL`;
      params.push(toColumn(kind, predicate.value));
      return `${column} = ${mark}`;
    case 'ne':
      if (predicate.value === null) return `${raw} IS NOT NULL`;
      params.push(toColumn(kind, predicate.value));
      return `(${raw} IS NULL OR ${column} <> ${mark})`;
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      if (kind === 'boolean') throw new TypeError(`property ${predicate.property} cannot be compared with ${predicate.op}`);
      params.push(predicate.value);
      return `${column} ${COMPARISON[predicate.op]} ${mark}`;
    case 'startswith':
      params.push(`${likeEscape(predicate.value)}%`);
      return `${raw} LIKE ? ESCAPE '\\'`;
    case 'endswith':
      params.push(`%${likeEscape(predicate.value)}`);
      return `${raw} LIKE ? ESCAPE '\\'`;
    case 'contains':
      params.push(`%${likeEscape(predicate.value)}%`);
      return `${raw} LIKE ? ESCAPE '\\'`;
    case 'in': {
      const values = predicate.values.filter((v) => v !== null);
      const parts: string[] = [];
      if (values.length > 0) {
        params.push(...values.map((v) => toColumn(kind, v)));
        parts.push(`${column} IN (${values.map(() => mark).join(', ')})`);
      }
      if (values.length < predicate.values.length) parts.push(`${raw} IS NULL`);
      return parts.length === 0 ? '0' : `(${parts.join(' OR ')})`;
    }
  }
}

export const COMPARISON = Object.freeze({ gt: '>', ge: '>=', lt: '<', le: '<=' });

/** How many prepared statements a connection holds now (tests check the bound). */
export function cachedStatementCount(db: SqliteDatabase): number {
  return cache.get(db)?.size ?? 0;
}
