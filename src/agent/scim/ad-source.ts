/**
 * What the SCIM service needs from the AD reader (src/ad), and nothing more, so that the
 * service depends on this shape and not on the concrete reader class.
 */
import type { AdChangePage, AdObject, AdObjectClass } from '../../core/ad-object.ts';

export interface AdSearchOptions {
  /** An LDAP filter (RFC 4515) with every value escaped. */
  readonly filter: string;
  /** Restricts the search to these structural classes. */
  readonly classes?: readonly AdObjectClass[];
  readonly pageSize?: number;
}

export interface AdSource {
  /** Objects in scope matching the filter, streamed page by page. */
  search(options: AdSearchOptions): AsyncIterable<AdObject>;
  /** One object by objectGUID or DN; undefined when there is none in scope. */
  readObject(key: { objectGuid: string } | { dn: string }): Promise<AdObject | undefined>;
  /** Changes since the watermark (a full read without one), page by page. */
  readChanges(watermark?: string): AsyncIterable<AdChangePage>;
}
