/**
 * Every in-memory cache of Canopy and its bound, in one place (issue 12: nothing grows
 * without limit on what clients or the directory send). Each cache's module explains its
 * eviction; the number here is the most it holds.
 */
export const CACHE_BOUNDS = Object.freeze({
  /**
   * Prepared SQLite statements per connection, least recently used evicted
   * (directory/sqlite/sql.ts). Each distinct $filter shape is a statement: without a bound
   * 800 filters held 200 MiB for good.
   */
  sqliteStatements: 100,
  /** Parsed DNs: two generations of this many (core/dn.ts). */
  parsedDns: 20_000,
  /** The agent's DN-to-member references during a read; starts over past this (agent/scim/member-resolver.ts). */
  agentMemberReferences: 50_000,
  /** Attribute kinds by the DC's spelling of a name (ad/entry.ts); names past it are classified each time. */
  adAttributeKinds: 4096,
  /** Lower-case spellings of attribute names (agent/scim/ad-values.ts); same policy. */
  attributeNameSpellings: 4096,
  /** Column names of property names (directory/properties.ts); names past it are converted each time. */
  propertyColumnNames: 1000,
  /** Failed sign-in and client-secret counters, per account, client and address (identity/sign-in-limits.ts); least recently used evicted. */
  signInCounters: 100_000,
  /** OpenID providers per tenant and public origin (identity/provider.ts); least recently used evicted. */
  oidcProviders: 32,
});
