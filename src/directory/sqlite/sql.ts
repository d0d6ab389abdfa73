/**
 * Shared SQLite plumbing: a per-connection statement cache, value conversions between
 * records and columns, and the translation of a store Predicate into a WHERE clause.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './open-database.ts';
import type { Predicate } from '../store.ts';
import { snakeCase, type PropertyKind } from '../properties.ts';

export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

const cache = new WeakMap<SqliteDatabase, Map<string, Statement>>();

/** Prepares once per connection: statements are reused across batches. */
export function statement(db: SqliteDatabase, sql: string): Statement {
  let byText = cache.get(db);
  if (!byText) {
    byText = new Map();
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
 * cloud-only users).
 */
export function compilePredicate(
  predicate: Predicate,
  properties: Readonly<Record<string, PropertyKind>>,
  params: unknown[],
): string {
  if ('operands' in predicate) {
    if (predicate.operands.length === 0) return predicate.op === 'and' ? '1' : '0';
    return `(${predicate.operands.map((p) => compilePredicate(p, properties, params)).join(` ${predicate.op.toUpperCase()} `)})`;
  }
  const kind = properties[predicate.property];
  if (kind === undefined || kind === 'strings') throw new TypeError(`property ${predicate.property} cannot be filtered`);
  const column = snakeCase(predicate.property);
  switch (predicate.op) {
    case 'eq':
      if (predicate.value === null) return `${column} IS NULL`;
      params.push(toColumn(kind, predicate.value));
      return `${column} = ?`;
    case 'ne':
      if (predicate.value === null) return `${column} IS NOT NULL`;
      params.push(toColumn(kind, predicate.value));
      return `(${column} IS NULL OR ${column} <> ?)`;
    case 'startswith':
      params.push(`${likeEscape(predicate.value)}%`);
      return `${column} LIKE ? ESCAPE '\\'`;
    case 'endswith':
      params.push(`%${likeEscape(predicate.value)}`);
      return `${column} LIKE ? ESCAPE '\\'`;
    case 'in': {
      const values = predicate.values.filter((v) => v !== null);
      const parts: string[] = [];
      if (values.length > 0) {
        params.push(...values.map((v) => toColumn(kind, v)));
        parts.push(`${column} IN (${placeholders(values.length)})`);
      }
      if (values.length < predicate.values.length) parts.push(`${column} IS NULL`);
      return parts.length === 0 ? '0' : `(${parts.join(' OR ')})`;
    }
  }
}
