/**
 * The discovery documents (RFC 7644 §4): /ServiceProviderConfig (RFC 7643 §5),
 * /ResourceTypes (RFC 7643 §6) and /Schemas (RFC 7643 §7), built from the schema
 * definitions so that what is advertised is what is served.
 */
import { listResponse, type ListResponse } from './list-response.ts';
import type { PagingLimits } from './paging.ts';
import type { SchemaDefinition } from './schema-types.ts';
import { groupSchema, userSchema } from './schemas-core.ts';
import { adObjectSchema, enterpriseUserSchema } from './schemas-extensions.ts';
import { CANOPY_AD_OBJECT, CORE_GROUP, CORE_USER, ENTERPRISE_USER, RESOURCE_TYPE, SERVICE_PROVIDER_CONFIG } from './urns.ts';

export const schemaDefinitions: readonly SchemaDefinition[] = [userSchema, groupSchema, enterpriseUserSchema, adObjectSchema];

export interface ResourceType {
  readonly schemas: readonly [typeof RESOURCE_TYPE];
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
  readonly meta: { readonly resourceType: 'ResourceType'; readonly location: string };
}

function resourceType(name: 'User' | 'Group', endpoint: string, description: string, schema: string, extensions: ResourceType['schemaExtensions']): ResourceType {
  return {
    schemas: [RESOURCE_TYPE],
    id: name,
    name,
    endpoint,
    description,
    schema,
    schemaExtensions: extensions,
    meta: { resourceType: 'ResourceType', location: `/ResourceTypes/${name}` },
  };
}

export const resourceTypes: readonly ResourceType[] = [
  resourceType('User', '/Users', 'Active Directory user accounts', CORE_USER, [
    { schema: ENTERPRISE_USER, required: false },
    { schema: CANOPY_AD_OBJECT, required: true },
  ]),
  resourceType('Group', '/Groups', 'Active Directory groups', CORE_GROUP, [{ schema: CANOPY_AD_OBJECT, required: true }]),
];

export function schemaById(id: string): SchemaDefinition | undefined {
  return schemaDefinitions.find((schema) => schema.id.toLowerCase() === id.toLowerCase());
}

export function resourceTypeById(id: string): ResourceType | undefined {
  return resourceTypes.find((type) => type.id.toLowerCase() === id.toLowerCase());
}

export function schemasListResponse(): ListResponse<SchemaDefinition> {
  return listResponse(schemaDefinitions, { totalResults: schemaDefinitions.length, startIndex: 1 });
}

export function resourceTypesListResponse(): ListResponse<ResourceType> {
  return listResponse(resourceTypes, { totalResults: resourceTypes.length, startIndex: 1 });
}

/** RFC 7643 §5, with the `pagination` attribute of RFC 9865 §3. */
export function serviceProviderConfig(limits: PagingLimits & { readonly cursorTimeoutSeconds: number; readonly documentationUri?: string }) {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG],
    ...(limits.documentationUri === undefined ? {} : { documentationUri: limits.documentationUri }),
    // The agent's SCIM service is read-only: AD is the source of truth.
    patch: { supported: false },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: limits.maxPageSize },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: limits.defaultPageSize,
      maxPageSize: limits.maxPageSize,
      cursorTimeout: limits.cursorTimeoutSeconds,
    },
    // The agent authenticates to the relay with its own key; on the local listener
    // (loopback only) there is none. RFC 7643 §5 requires the attribute, not a value.
    authenticationSchemes: [],
    meta: { resourceType: 'ServiceProviderConfig', location: '/ServiceProviderConfig' },
  } as const;
}
