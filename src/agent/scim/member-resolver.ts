/**
 * Turns the DNs AD stores in `member` and `manager` into SCIM references
 * ({ value: objectGUID, $ref, display, type }, RFC 7643 §4.2).
 *
 * DNs are read in batches through the reader's readObjectsByDn: one `(|(distinguishedName=…)…)`
 * search per 100 DNs, reading only what a reference needs (not a group's own members).
 * Those searches are not paged (no RFC 2696 control; a batch is far below MaxPageSize), so
 * they do not count against the ~10 paged searches a DC keeps per connection (AD's
 * MaxResultSetsPerConn; Samba evicts the oldest beyond about ten) and cannot evict the
 * paged full read a /Delta session keeps open between requests. A source without
 * readObjectsByDn is read with base-object reads, 16 at a time. Results are cached for
 * the life of the resolver.
 * A DN in extended form (`<GUID=…>;CN=…`, MS-ADTS 3.1.1.3.4.1.5) still yields its GUID
 * when the object is gone or out of scope. Other DNs that resolve to no user or group in
 * scope, and critical system objects (which never sync, MS-ADTS 3.1.1.5.2.4), are left
 * out: the engine syncs only in-scope objects.
 */
import { dnFromExtendedDn, guidFromExtendedDn } from '../../ad/decode.ts';
import { normalizeDn } from '../../ad/dn.ts';
import type { AdObject } from '../../core/ad-object.ts';
import type { AdSource } from './ad-source.ts';
import { lowerName } from './ad-values.ts';
import { CACHE_BOUNDS } from '../../core/cache-bounds.ts';

export interface MemberRef {
  readonly value: string;
  readonly $ref?: string;
  readonly display?: string;
  readonly type?: 'User' | 'Group';
}

/** Base reads in flight at once (sources without readObjectsByDn). */
export const READS_IN_FLIGHT = 16;

/** DNs per readObjectsByDn call, and calls in flight at once. */
const DNS_PER_CALL = 500;
const CALLS_IN_FLIGHT = 4;

/** What a reference needs besides the identity attributes (displayOf, and the system-object check). */
export const REFERENCE_ATTRIBUTES: readonly string[] = ['displayName', 'cn', 'name', 'sAMAccountName', 'isCriticalSystemObject'];

/** Cached DNs before the cache starts over (bounds memory on a long delta read). */
const CACHE_LIMIT = CACHE_BOUNDS.agentMemberReferences;

export function resourceTypeOf(object: Pick<AdObject, 'objectClass'>): 'User' | 'Group' | undefined {
  if (object.objectClass === 'user') return 'User';
  if (object.objectClass === 'group') return 'Group';
  return undefined;
}

/** The first value of an attribute, its name matched case-insensitively (AD's rule). */
function firstValue(object: AdObject, name: string, lower: string): string | undefined {
  const attributes = object.attributes;
  // The DC's own spelling first: one property read for nearly every object.
  if (Object.hasOwn(attributes, name)) return attributes[name]?.[0];
  for (const key in attributes) if (lowerName(key) === lower) return attributes[key]?.[0];
  return undefined;
}

export function displayOf(object: AdObject): string | undefined {
  return firstValue(object, 'displayName', 'displayname') ?? firstValue(object, 'cn', 'cn') ?? firstValue(object, 'name', 'name') ?? firstValue(object, 'sAMAccountName', 'samaccountname');
}

export function memberRefOf(object: AdObject): MemberRef | undefined {
  const type = resourceTypeOf(object);
  if (!type) return undefined;
  const display = displayOf(object);
  return { value: object.objectGuid, $ref: `/${type}s/${object.objectGuid}`, ...(display === undefined ? {} : { display }), type };
}

export class MemberResolver {
  private readonly cache = new Map<string, MemberRef | null>();

  constructor(private readonly source: AdSource, private readonly inFlight = READS_IN_FLIGHT) {}

  /**
   * Caches what an object read anyway says about its own DN, so that a delta read, which
   * delivers most members itself, rarely needs a lookup.
   */
  remember(object: AdObject): void {
    if (this.cache.size >= CACHE_LIMIT) return;
    this.cache.set(safeNormalize(object.dn), memberRefOf(object) ?? null);
  }

  /** Reads the DNs (key: normalized DN, value: the DN to read). */
  private async lookUp(missing: readonly (readonly [string, string])[]): Promise<Map<string, MemberRef | null>> {
    const found = new Map<string, MemberRef | null>();
    const readMany = this.source.readObjectsByDn?.bind(this.source);
    if (readMany) {
      // A few calls at once overlap the DC's work with decoding here (measured: 3,500 DNs
      // in 0.7 s instead of 1.0 s); none of them is a paged search.
      const chunks: (readonly [string, string])[][] = [];
      for (let i = 0; i < missing.length; i += DNS_PER_CALL) chunks.push(missing.slice(i, i + DNS_PER_CALL));
      let next = 0;
      const worker = async () => {
        while (next < chunks.length) {
          const chunk = chunks[next++] as (readonly [string, string])[];
          const objects = await readMany(chunk.map(([, dn]) => dn), { attributes: REFERENCE_ATTRIBUTES });
          for (const [key, dn] of chunk) found.set(key, refOrNull(objects.get(dn)));
        }
      };
      await Promise.all(Array.from({ length: Math.min(CALLS_IN_FLIGHT, chunks.length) }, worker));
      return found;
    }
    let next = 0;
    const worker = async () => {
      while (next < missing.length) {
        const [key, dn] = missing[next++] as readonly [string, string];
        found.set(key, refOrNull(await this.source.readObject({ dn })));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.inFlight, missing.length) }, worker));
    return found;
  }

  /**
   * Looks up, in one batched pass, the DNs that the objects' references (members,
   * manager, member changes) name and the cache lacks, so that building their resources
   * asks AD nothing more: a page costs a few batched searches instead of one per object.
   */
  async prefetch(objects: Iterable<{ readonly object: AdObject; readonly memberChanges?: { readonly added: readonly string[]; readonly removed: readonly string[] } }>): Promise<void> {
    const dns: string[] = [];
    for (const { object, memberChanges } of objects) {
      const attributes = object.attributes;
      for (const name in attributes) {
        const lower = lowerName(name);
        if (lower === 'manager' || lower === 'member' || lower.startsWith('member;range=')) for (const dn of attributes[name] as readonly string[]) dns.push(dn);
      }
      if (memberChanges) dns.push(...memberChanges.added, ...memberChanges.removed);
    }
    if (dns.length > 0) await this.resolve(dns);
  }

  /** References for the DNs, in their order; unresolvable ones are left out. */
  async resolve(dns: readonly string[]): Promise<MemberRef[]> {
    const keys: string[] = new Array(dns.length);
    let missingByKey: Map<string, string> | undefined;
    for (let i = 0; i < dns.length; i += 1) {
      const raw = dns[i] as string;
      // Extended DNs (`<GUID=…>;…`) are rare: skip the regex for plain ones.
      const dn = raw.startsWith('<') ? dnFromExtendedDn(raw) : raw;
      const key = safeNormalize(dn);
      keys[i] = key;
      if (!this.cache.has(key) && !missingByKey?.has(key)) (missingByKey ??= new Map()).set(key, dn);
    }
    const missing = missingByKey ? [...missingByKey.entries()] : [];
    if (this.cache.size + missing.length > CACHE_LIMIT) this.cache.clear();
    const found = missing.length === 0 ? new Map<string, MemberRef | null>() : await this.lookUp(missing);
    for (const [key, ref] of found) this.cache.set(key, ref);
    const out: MemberRef[] = [];
    for (let i = 0; i < dns.length; i += 1) {
      const raw = dns[i] as string;
      const key = keys[i] as string;
      const ref = this.cache.get(key) ?? found.get(key);
      if (ref) {
        out.push(ref);
        continue;
      }
      const guid = guidFromExtendedDn(raw);
      if (guid) out.push({ value: guid });
    }
    return out;
  }
}

/** A reference for the object, or null when it is not one the engine syncs. */
function refOrNull(object: AdObject | undefined): MemberRef | null {
  if (!object) return null;
  const critical = firstValue(object, 'isCriticalSystemObject', 'iscriticalsystemobject');
  if (critical?.toUpperCase() === 'TRUE') return null;
  return memberRefOf(object) ?? null;
}

function safeNormalize(dn: string): string {
  try {
    return normalizeDn(dn);
  } catch {
    return dn.toLowerCase();
  }
}
