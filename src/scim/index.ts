/** SCIM 2.0 protocol pieces (RFC 7643/7644): no HTTP, no storage, no AD. */
export * from './urns.ts';
export * from './scim-error.ts';
export * from './list-response.ts';
export * from './filter.ts';
export * from './paging.ts';
export * from './schema-types.ts';
export * from './schemas-core.ts';
export * from './schemas-extensions.ts';
export * from './discovery.ts';
export * from './attribute-selection.ts';
export * from './validate-resource.ts';
export * from './common-attributes.ts';
