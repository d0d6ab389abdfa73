/**
 * What the SCIM service needs from the AD reader (src/ad), and nothing more, so that the
 * service depends on this shape and not on the concrete reader class.
 */
import type { AdChangePage, AdObject, AdObjectClass } from '../../core/ad-object.ts';
import type { AdSchemaDiscovery } from '../../core/ad-schema.ts';

export interface AdSearchOptions {
  /** An LDAP filter (RFC 4515) with every value escaped. */
  readonly filter: string;
  /** Restricts the search to these structural classes. */
  readonly classes?: readonly AdObjectClass[];
  readonly pageSize?: number;
  /** Read only these besides the identity attributes ([] to count matches cheaply). */
  readonly attributes?: readonly string[];
}

export interface AdSource {
  /** Objects in scope matching the filter, streamed page by page. */
  search(options: AdSearchOptions): AsyncIterable<AdObject>;
  /** One object by objectGUID or DN; undefined when there is none in scope. */
  readObject(key: { objectGuid: string } | { dn: string }): Promise<AdObject | undefined>;
  /**
   * Many objects by DN in a few batched searches that are not paged (the reader's
   * readObjectsByDn), keyed by the DNs as given; missing or out-of-scope ones are absent.
   * `attributes` narrows what is read besides the identity attributes. Optional: without
   * it, DNs are resolved with readObject one by one.
   */
  readObjectsByDn?(dns: readonly string[], options?: { attributes?: readonly string[] }): Promise<ReadonlyMap<string, AdObject>>;
  /** Changes since the watermark (a full read without one), page by page. */
  readChanges(watermark?: string): AsyncIterable<AdChangePage>;
  /** What the forest's schema lets each named class hold (schema discovery). Optional: without it GET /AdSchema is 501. */
  readSchema?(classNames: readonly string[]): Promise<AdSchemaDiscovery>;
}
