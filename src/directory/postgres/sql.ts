/**
 * Value conversions between records and Postgres columns, and the translation of a store
 * Predicate into a WHERE clause with numbered parameters ($1, $2, …). Parameters are always
 * bound, never spliced into the text.
 */
import type { Predicate } from '../store.ts';
import { snakeCase, type PropertyKind } from '../properties.ts';

export type Row = Record<string, unknown>;

/** Appends a value to the parameter list and returns its placeholder. */
export function bind(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

/** A property value as node-postgres sends it: multi-valued ones as JSON text for jsonb. */
export function toColumn(kind: PropertyKind, value: unknown): unknown {
  if (value === undefined || value === null) return kind === 'strings' ? '[]' : null;
  switch (kind) {
    case 'boolean':
      return Boolean(value);
    case 'strings':
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

/** node-postgres parses boolean and jsonb itself; only absent values need a default. */
export function fromColumn(kind: PropertyKind, value: unknown): unknown {
  if (kind === 'strings') return Array.isArray(value) ? value : [];
  return value ?? null;
}

/** count(*) is a bigint, which node-postgres returns as text. */
export function countOf(row: Row | undefined): number {
  return Number(row?.n ?? 0);
}

/** Escapes LIKE wildcards; the clause uses ESCAPE '\'. */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Compiles a Predicate to SQL over the given properties. `string` columns are citext, so `=`,
 * `IN` and LIKE compare without case as Graph does (citext's LIKE operators fold case too).
 * `ne` matches nulls too, as Graph's advanced `ne` does, and as the SQLite adapter does.
 */
export function compilePredicate(predicate: Predicate, properties: Readonly<Record<string, PropertyKind>>, params: unknown[]): string {
  if ('operands' in predicate) {
    if (predicate.operands.length === 0) return predicate.op === 'and' ? 'TRUE' : 'FALSE';
    return `(${predicate.operands.map((p) => compilePredicate(p, properties, params)).join(` ${predicate.op.toUpperCase()} `)})`;
  }
  const kind = properties[predicate.property];
  if (kind === undefined || kind === 'strings') throw new TypeError(`property ${predicate.property} cannot be filtered`);
  const column = snakeCase(predicate.property);
  switch (predicate.op) {
    case 'eq':
      if (predicate.value === null) return `${column} IS NULL`;
      return `${column} = ${bind(params, toColumn(kind, predicate.value))}`;
    case 'ne':
      if (predicate.value === null) return `${column} IS NOT NULL`;
      return `${column} IS DISTINCT FROM ${bind(params, toColumn(kind, predicate.value))}`;
    case 'startswith':
      return `${column} LIKE ${bind(params, `${likeEscape(predicate.value)}%`)} ESCAPE '\\'`;
    case 'endswith':
      return `${column} LIKE ${bind(params, `%${likeEscape(predicate.value)}`)} ESCAPE '\\'`;
    case 'in': {
      const values = predicate.values.filter((v) => v !== null);
      const parts: string[] = [];
      if (values.length > 0) parts.push(`${column} = ANY(${bind(params, values.map((v) => toColumn(kind, v)))})`);
      if (values.length < predicate.values.length) parts.push(`${column} IS NULL`);
      return parts.length === 0 ? 'FALSE' : `(${parts.join(' OR ')})`;
    }
  }
}
