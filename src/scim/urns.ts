/**
 * Schema and message URIs (RFC 7643 §8.7.1 and §3, RFC 7644 §3.12, §3.4.2) and Canopy's own.
 * A resource lists the URIs of every schema it carries in `schemas` (RFC 7643 §3).
 */
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SERVICE_PROVIDER_CONFIG = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * Canopy's AD extension: what Active Directory knows about an object and SCIM has no
 * attribute for (objectGUID, ms-DS-ConsistencyGuid, objectSid, DN, …). It extends both
 * User and Group, hence `Object`.
 */
export const CANOPY_AD_OBJECT = 'urn:canopy:params:scim:schemas:extension:ad:2.0:Object';

/** Canopy's delta message: one page of changes since a watermark (docs/protocol.md). */
export const CANOPY_DELTA_RESPONSE = 'urn:canopy:params:scim:api:messages:2.0:DeltaResponse';
