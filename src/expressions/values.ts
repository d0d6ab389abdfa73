/**
 * Values an expression computes. Attributes arrive as text (one string per LDAP value);
 * functions yield text, numbers, Booleans or date-times; a multi-valued attribute stays an
 * array until a function reduces it. `null` is VBA's Null: an absent attribute or an
 * empty argument.
 */
import { ExpressionError } from './errors.ts';

export type Scalar = string | number | boolean | Date;
export type Value = null | Scalar | readonly Scalar[];

export function isMulti(value: Value): value is readonly Scalar[] {
  return Array.isArray(value);
}

/** An attribute's values as an expression sees them: none → null, one → that value. */
export function fromAttributeValues(values: readonly string[] | undefined): Value {
  if (values === undefined || values.length === 0) return null;
  return values.length === 1 ? values[0]! : values;
}

/** Dates print as Microsoft's pages show them: `M/d/yyyy h:mm:ss tt`, UTC. */
export function formatDefaultDate(date: Date): string {
  const h = date.getUTCHours();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** VBA's string conversion: True/False, decimal numbers, dates in the default format. */
export function scalarText(value: Scalar): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value instanceof Date) return formatDefaultDate(value);
  return String(value);
}

/** The single text of a value: null stays null; a multi-value gives its first value. */
export function text(value: Value): string | null {
  if (value === null) return null;
  if (isMulti(value)) return value.length === 0 ? null : scalarText(value[0]!);
  return scalarText(value);
}

/** What a mapping flows: every value as text, in order. */
export function toTextValues(value: Value): string[] {
  if (value === null) return [];
  return isMulti(value) ? value.map(scalarText) : [scalarText(value)];
}

export function isNullOrEmpty(value: Value): boolean {
  if (value === null) return true;
  if (isMulti(value)) return value.length === 0 || value.every((v) => scalarText(v) === '');
  return scalarText(value) === '';
}

/**
 * A number from a value, as VBA converts: decimal text, `&H` hex text, Booleans as
 * True = -1 / False = 0 (VBA's CInt). Null stays null; anything else fails naming it.
 */
export function toNumber(value: Value, what: string): number | null {
  const single = isMulti(value) ? (value[0] ?? null) : value;
  if (single === null) return null;
  if (typeof single === 'number') return single;
  if (typeof single === 'boolean') return single ? -1 : 0;
  if (single instanceof Date) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `${what}: a date is not a number`);
  const t = single.trim();
  if (/^&H[0-9A-F]+$/i.test(t)) return parseInt(t.slice(2), 16);
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `${what}: "${t}" is not a number`);
}

/** An integer argument (positions, counts): a number truncated toward zero. */
export function toInteger(value: Value, what: string): number | null {
  const n = toNumber(value, what);
  return n === null ? null : Math.trunc(n);
}

/**
 * A Boolean from a value: True/False text in any case, numbers non-zero = True, Null =
 * False (a condition on an absent attribute does not hold).
 */
export function toBoolean(value: Value, what: string): boolean {
  const single = isMulti(value) ? (value[0] ?? null) : value;
  if (single === null) return false;
  if (typeof single === 'boolean') return single;
  if (typeof single === 'number') return single !== 0;
  if (single instanceof Date) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `${what}: a date is not a Boolean`);
  const t = single.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false' || t === '') return false;
  const n = toNumber(single, what);
  return n !== null && n !== 0;
}

/** Applies a text function to each value (multi-valued sources map value by value). */
export function mapText(value: Value, f: (text: string) => Scalar | null): Value {
  if (value === null) return null;
  if (isMulti(value)) {
    const out: Scalar[] = [];
    for (const v of value) {
      const r = f(scalarText(v));
      if (r !== null) out.push(r);
    }
    return out;
  }
  return f(scalarText(value));
}

/** Every value, flattened, as text: what Join and RemoveDuplicates work on. */
export function flatten(values: readonly Value[]): string[] {
  const out: string[] = [];
  for (const v of values) out.push(...toTextValues(v));
  return out;
}
