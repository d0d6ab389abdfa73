/**
 * Value conversions between records and Postgres columns, and the translation of a store
 * Predicate into a WHERE clause with numbered parameters ($1, $2, …). Parameters are always
 * bound, never spliced into the text.
 */
import { LAMBDA_ELEMENT, type Predicate } from '../store.ts';
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
 * `ne` matches nulls too, as Graph's advanced `ne` does, and as the SQLite adapter does; so
 * does `not`. A multi-valued property is a jsonb array: `any`/`all` test its elements (as
 * citext) through jsonb_array_elements_text. Datetimes (text columns) compare as timestamptz.
 */
export function compilePredicate(predicate: Predicate, properties: Readonly<Record<string, PropertyKind>>, params: unknown[]): string {
  switch (predicate.op) {
    case 'and':
    case 'or':
      if (predicate.operands.length === 0) return predicate.op === 'and' ? 'TRUE' : 'FALSE';
      return `(${predicate.operands.map((p) => compilePredicate(p, properties, params)).join(` ${predicate.op.toUpperCase()} `)})`;
    case 'not':
      return `NOT coalesce(${compilePredicate(predicate.operand, properties, params)}, FALSE)`;
    case 'any':
    case 'all': {
      if (properties[predicate.property] !== 'strings') throw new TypeError(`property ${predicate.property} is not a collection`);
      const column = snakeCase(predicate.property);
      const where = compilePredicate(predicate.where, ELEMENT_PROPERTIES, params);
      const elements = `jsonb_array_elements_text(coalesce(${column}, '[]'::jsonb)) AS e(value)`;
      return predicate.op === 'any'
        ? `EXISTS (SELECT 1 FROM ${elements} WHERE ${where})`
        : `NOT EXISTS (SELECT 1 FROM ${elements} WHERE NOT coalesce(${where}, FALSE))`;
    }
    default:
      return compileComparison(predicate, properties, params);
  }
}

const ELEMENT_PROPERTIES: Readonly<Record<string, PropertyKind>> = Object.freeze({ [LAMBDA_ELEMENT]: 'string' });
const COMPARISON = Object.freeze({ gt: '>', ge: '>=', lt: '<', le: '<=' });

type Comparison = Exclude<Predicate, { op: 'and' | 'or' | 'not' | 'any' | 'all' }>;

function compileComparison(predicate: Comparison, properties: Readonly<Record<string, PropertyKind>>, params: unknown[]): string {
  const kind = properties[predicate.property];
  if (kind === undefined || kind === 'strings') throw new TypeError(`property ${predicate.property} cannot be filtered`);
  const raw = predicate.property === LAMBDA_ELEMENT ? 'e.value::citext' : snakeCase(predicate.property);
  const column = kind === 'datetime' ? `(${raw})::timestamptz` : raw;
  const mark = (value: unknown) => (kind === 'datetime' ? `${bind(params, value)}::timestamptz` : bind(params, value));
  switch (predicate.op) {
    case 'eq':
      if (predicate.value === null) return `${raw} IS NULL`;
      return `${column} = ${mark(toColumn(kind, predicate.value))}`;
    case 'ne':
      if (predicate.value === null) return `${raw} IS NOT NULL`;
      return `${column} IS DISTINCT FROM ${mark(toColumn(kind, predicate.value))}`;
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      if (kind === 'boolean') throw new TypeError(`property ${predicate.property} cannot be compared with ${predicate.op}`);
      return `${column} ${COMPARISON[predicate.op]} ${mark(predicate.value)}`;
    case 'startswith':
      return `${raw} LIKE ${bind(params, `${likeEscape(predicate.value)}%`)} ESCAPE '\\'`;
    case 'endswith':
      return `${raw} LIKE ${bind(params, `%${likeEscape(predicate.value)}`)} ESCAPE '\\'`;
    case 'contains':
      return `${raw} LIKE ${bind(params, `%${likeEscape(predicate.value)}%`)} ESCAPE '\\'`;
    case 'in': {
      const values = predicate.values.filter((v) => v !== null);
      const parts: string[] = [];
      if (values.length > 0) {
        parts.push(kind === 'datetime'
          ? `${column} = ANY(${bind(params, values.map((v) => toColumn(kind, v)))}::timestamptz[])`
          : `${column} = ANY(${bind(params, values.map((v) => toColumn(kind, v)))})`);
      }
      if (values.length < predicate.values.length) parts.push(`${raw} IS NULL`);
      return parts.length === 0 ? 'FALSE' : `(${parts.join(' OR ')})`;
    }
  }
}
