/**
 * Turns the DNs AD stores in `member` and `manager` into SCIM references
 * ({ value: objectGUID, $ref, display, type }, RFC 7643 §4.2). DNs are looked up in
 * batches with one OR filter each, `(|(distinguishedName=…)(distinguishedName=…)…)`, so a
 * 3,000-member group costs 30 searches, not 3,000. Results are cached for the life of the
 * resolver (one request). A DN written in extended form (`<GUID=…>;CN=…`, the extended-DN
 * control, MS-ADTS 3.1.1.3.4.1.5) still yields its GUID when the object is gone or out of
 * scope. A DN that resolves to nothing in scope is left out: the engine syncs only
 * in-scope objects.
 */
import { dnFromExtendedDn, guidFromExtendedDn } from '../../ad/decode.ts';
import { normalizeDn } from '../../ad/dn.ts';
import type { AdObject } from '../../core/ad-object.ts';
import type { AdSource } from './ad-source.ts';
import { escapeValue, or } from './ldap-filter-text.ts';

export interface MemberRef {
  readonly value: string;
  readonly $ref?: string;
  readonly display?: string;
  readonly type?: 'User' | 'Group';
}

/** DNs per OR filter: small enough for any DC's filter limits, few enough round trips. */
export const DN_BATCH = 100;

export function resourceTypeOf(object: Pick<AdObject, 'objectClass'>): 'User' | 'Group' | undefined {
  if (object.objectClass === 'user') return 'User';
  if (object.objectClass === 'group') return 'Group';
  return undefined;
}

export function displayOf(object: AdObject): string | undefined {
  const first = (name: string) => Object.entries(object.attributes).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1][0];
  return first('displayName') ?? first('cn') ?? first('name') ?? first('sAMAccountName');
}

export function memberRefOf(object: AdObject): MemberRef | undefined {
  const type = resourceTypeOf(object);
  if (!type) return undefined;
  const display = displayOf(object);
  return { value: object.objectGuid, $ref: `/${type}s/${object.objectGuid}`, ...(display === undefined ? {} : { display }), type };
}

export class MemberResolver {
  private readonly cache = new Map<string, MemberRef | null>();

  constructor(private readonly source: AdSource, private readonly batchSize = DN_BATCH) {}

  /** References for the DNs, in their order; unresolvable ones are left out. */
  async resolve(dns: readonly string[]): Promise<MemberRef[]> {
    const keyed = dns.map((raw) => ({ raw, dn: dnFromExtendedDn(raw), key: safeNormalize(dnFromExtendedDn(raw)) }));
    const missing = [...new Map(keyed.filter((k) => !this.cache.has(k.key)).map((k) => [k.key, k.dn])).values()];
    for (let i = 0; i < missing.length; i += this.batchSize) {
      await this.lookUp(missing.slice(i, i + this.batchSize));
    }
    const out: MemberRef[] = [];
    for (const { raw, key } of keyed) {
      const ref = this.cache.get(key);
      if (ref) {
        out.push(ref);
        continue;
      }
      const guid = guidFromExtendedDn(raw);
      if (guid) out.push({ value: guid });
    }
    return out;
  }

  private async lookUp(dns: readonly string[]): Promise<void> {
    const filter = or(dns.map((dn) => `(distinguishedName=${escapeValue(dn)})`));
    for (const dn of dns) this.cache.set(safeNormalize(dn), null);
    for await (const object of this.source.search({ filter, classes: ['user', 'group'], pageSize: this.batchSize })) {
      const ref = memberRefOf(object);
      if (ref) this.cache.set(safeNormalize(object.dn), ref);
    }
  }
}

function safeNormalize(dn: string): string {
  try {
    return normalizeDn(dn);
  } catch {
    return dn.toLowerCase();
  }
}
