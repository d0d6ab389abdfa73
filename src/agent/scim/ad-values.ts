/**
 * Reading AdObject attributes for SCIM: names are matched case-insensitively (AD's own
 * rule), and in an incremental change an attribute that is present with no values was
 * cleared. `Cleared` lets the resource builders write `null` for it (RFC 7643 §2.5:
 * null is "unassigned"), while an absent attribute is left out.
 */
import type { AdObject } from '../../core/ad-object.ts';
import { generalizedTimeToIso } from '../../ad/decode.ts';
import { CACHE_BOUNDS } from '../../core/cache-bounds.ts';

export const CLEARED = null;
export type Read<T> = T | null | undefined;

/**
 * Lower-case spellings of attribute names. An object's names repeat across a read
 * (thousands of objects, a few dozen names), so each spelling is lowercased once.
 */
const LOWER = new Map<string, string>();
const LOWER_LIMIT = CACHE_BOUNDS.attributeNameSpellings;

export function lowerName(name: string): string {
  let lower = LOWER.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (LOWER.size < LOWER_LIMIT) LOWER.set(name, lower);
  }
  return lower;
}

export class AdValues {
  private readonly byName = new Map<string, readonly string[]>();
  /** Times converted once: a resource writes whenCreated and whenChanged twice each. */
  private times: Map<string, Read<string>> | undefined;

  /**
   * `changedAttributes` (incremental reads): a changed attribute missing from the object
   * was cleared. `member` is left to the member changes.
   */
  constructor(readonly object: AdObject, changedAttributes?: readonly string[]) {
    if (changedAttributes) for (const name of changedAttributes) if (lowerName(name) !== 'member') this.byName.set(lowerName(name), []);
    const attributes = object.attributes;
    for (const name in attributes) this.byName.set(lowerName(name), attributes[name] as readonly string[]);
  }

  /** All values; null when cleared; undefined when not read. */
  all(name: string): Read<readonly string[]> {
    const values = this.byName.get(lowerName(name));
    if (values === undefined) return undefined;
    return values.length === 0 ? CLEARED : values;
  }

  text(name: string): Read<string> {
    const values = this.all(name);
    return values == null ? values : values[0];
  }

  integer(name: string): Read<number> {
    const value = this.text(name);
    if (value == null) return value;
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }

  /** A time as ISO-8601 UTC, whether the reader decoded it already or not. */
  time(name: string): Read<string> {
    this.times ??= new Map();
    if (this.times.has(name)) return this.times.get(name);
    const value = this.text(name);
    const time = value == null ? value : toIso(value);
    this.times.set(name, time);
    return time;
  }

  has(name: string): boolean {
    return this.byName.has(lowerName(name));
  }
}

function toIso(value: string): string | undefined {
  if (/^\d{14}/.test(value)) {
    try {
      return generalizedTimeToIso(value);
    } catch {
      return undefined;
    }
  }
  const ms = Date.parse(value); // the reader's ISO-8601 mostly: parsed once, not twice
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Copies the defined entries only: SCIM omits unassigned attributes (RFC 7643 §2.5). */
export function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const key in object) {
    const value = object[key];
    if (value !== undefined) out[key] = value;
  }
  return out as Partial<T>;
}
