/**
 * What the `ad` part reads from Active Directory, in the shape every other part consumes.
 * Values are decoded once at the edge (ad/decode.ts): GUIDs as lower-case canonical
 * strings, SIDs as S-1-5-…, times as ISO-8601 UTC, other binary values as base64.
 */

/** The most specific structural class. A computer is also objectClass=user in AD. */
export type AdObjectClass = 'user' | 'computer' | 'group' | 'organizationalUnit' | 'contact';

export interface AdObject {
  /** Distinguished name as AD returns it (RFC 4514 escaping preserved). */
  readonly dn: string;
  /** objectGUID as a canonical GUID string: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'. */
  readonly objectGuid: string;
  readonly objectClass: AdObjectClass;
  /** The full objectClass chain, as AD lists it. */
  readonly objectClasses: readonly string[];
  /** objectSid as S-1-5-21-…, when the object has one. */
  readonly objectSid?: string;
  /** ms-DS-ConsistencyGuid as a canonical GUID string, when set. */
  readonly consistencyGuid?: string;
  /**
   * Every other attribute read, by its LDAP name as AD spells it (case kept), as text.
   * Binary attributes not decoded above are base64. Multi-valued attributes keep order.
   * In an incremental change this holds only the attributes that changed.
   */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** The source anchor (ARCHITECTURE.md): ms-DS-ConsistencyGuid when set, else objectGUID. */
export function sourceAnchorGuid(object: Pick<AdObject, 'objectGuid' | 'consistencyGuid'>): string {
  return object.consistencyGuid ?? object.objectGuid;
}

export type AdChange =
  | {
      readonly kind: 'upsert';
      readonly object: AdObject;
      /**
       * true when `object.attributes` holds every attribute read; false when only changed ones.
       * An attribute listed with no values has none (it was cleared). The AD reader's
       * incremental upserts of groups are not complete, because `member` comes as
       * memberChanges, but list every other attribute read ([] when without value).
       */
      readonly complete: boolean;
      /** For groups read incrementally: member DNs added and removed since the watermark. */
      readonly memberChanges?: { readonly added: readonly string[]; readonly removed: readonly string[] };
      /**
       * Incremental reads: the attributes the DC reported changed (LDAP names as the DC
       * spells them, `member` for member changes). Absent on full reads.
       */
      readonly changedAttributes?: readonly string[];
    }
  | {
      readonly kind: 'delete';
      readonly objectGuid: string;
      /** The last DN the object had in scope, when known. */
      readonly dn?: string;
      /** 'deleted': a tombstone; 'out-of-scope': moved out of the scoping OUs. */
      readonly reason: 'deleted' | 'out-of-scope';
      /**
       * The object's most specific class, when the reader knows it: a tombstone keeps its
       * objectClass (MS-ADTS 3.1.1.5.5.1.1), and an object moved out of scope is read.
       */
      readonly objectClass?: AdObjectClass;
      /**
       * For tombstones: the DN of the parent the object had when deleted, when the DC says.
       * Every tombstone of a read class is reported, wherever it was (an object moved out
       * of scope and deleted between two reads, or one below a deleted OU, has a parent
       * outside the scope); a caller that never held the object ignores the delete.
       */
      readonly lastKnownParent?: string;
    };

/** One page of an incremental read, and the opaque watermark to resume after it. */
export interface AdChangePage {
  readonly changes: readonly AdChange[];
  /** Opaque; safe to persist once the page's changes are committed. */
  readonly watermark: string;
  /** true when more pages follow in this read. */
  readonly more: boolean;
  /**
   * Set on every page of a read that is a full (re-)read rather than incremental: its
   * pages hold every in-scope object as a complete upsert, and an object the caller holds
   * for this domain that none of the pages (up to more=false) contained is gone (deleted
   * or out of scope) and must be deleted by the caller. Intermediate pages carry the
   * watermark the read started from, so a replay after a crash reads everything again.
   * 'initial': there was no watermark. 'dc-changed': a uSNChanged watermark from a DC
   * with another invocationId (MS-ADTS 3.1.1.1.9). 'scope-changed': the watermark was
   * made for other scoping DNs or classes. 'mode-changed': DirSync is no longer allowed
   * for the account and the reader fell back to uSNChanged.
   */
  readonly reset?: AdResetReason;
}

export type AdResetReason = 'initial' | 'dc-changed' | 'scope-changed' | 'mode-changed';
