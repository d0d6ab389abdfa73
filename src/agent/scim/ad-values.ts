/**
 * Reading AdObject attributes for SCIM: names are matched case-insensitively (AD's own
 * rule), and in an incremental change an attribute that is present with no values was
 * cleared. `Cleared` lets the resource builders write `null` for it (RFC 7643 §2.5:
 * null is "unassigned"), while an absent attribute is left out.
 */
import type { AdObject } from '../../core/ad-object.ts';
import { generalizedTimeToIso } from '../../ad/decode.ts';

export const CLEARED = null;
export type Read<T> = T | null | undefined;

export class AdValues {
  private readonly byName = new Map<string, readonly string[]>();

  /**
   * `changedAttributes` (incremental reads): a changed attribute missing from the object
   * was cleared. `member` is left to the member changes.
   */
  constructor(readonly object: AdObject, changedAttributes?: readonly string[]) {
    for (const name of changedAttributes ?? []) if (name.toLowerCase() !== 'member') this.byName.set(name.toLowerCase(), []);
    for (const [name, values] of Object.entries(object.attributes)) this.byName.set(name.toLowerCase(), values);
  }

  /** All values; null when cleared; undefined when not read. */
  all(name: string): Read<readonly string[]> {
    const values = this.byName.get(name.toLowerCase());
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
    const value = this.text(name);
    if (value == null) return value;
    if (/^\d{14}/.test(value)) {
      try {
        return generalizedTimeToIso(value);
      } catch {
        return undefined;
      }
    }
    return Number.isNaN(Date.parse(value)) ? undefined : new Date(value).toISOString();
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }
}

/** Copies the defined entries only: SCIM omits unassigned attributes (RFC 7643 §2.5). */
export function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
