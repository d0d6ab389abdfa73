/**
 * The enterprise User extension (RFC 7643 §4.3) and Canopy's AD extension. The AD
 * extension carries what AD knows and SCIM has no attribute for; the engine reads its
 * source anchor and matching keys from it. Every AD value is readOnly here: the agent
 * never writes to AD.
 */
import { attribute, readOnly, schemaDefinition } from './schema-types.ts';
import { CANOPY_AD_OBJECT, ENTERPRISE_USER } from './urns.ts';

/**
 * extensionAttribute1–15 and msDS-cloudExtensionAttribute1–20, carried for custom mappings
 * (the same list as core/custom-attributes.ts; scim depends on nothing of ours, so it is
 * spelt out here too, and test/scim checks the two agree).
 */
export const CUSTOM_AD_ATTRIBUTES: readonly string[] = [
  ...Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`),
  ...Array.from({ length: 20 }, (_, i) => `msDS-cloudExtensionAttribute${i + 1}`),
];

export const enterpriseUserSchema = schemaDefinition(ENTERPRISE_USER, 'EnterpriseUser', 'Enterprise User', [
  attribute('employeeNumber', 'string', 'Identifier assigned to a person by the organization (AD employeeID).'),
  attribute('organization', 'string', 'Name of an organization (AD company).'),
  attribute('division', 'string', 'Name of a division (AD division).'),
  attribute('department', 'string', 'Name of a department (AD department).'),
  attribute('manager', 'complex', "The user's manager (AD manager, resolved to its objectGUID).", {
    subAttributes: [
      attribute('value', 'string', 'The id (objectGUID) of the manager.'),
      attribute('$ref', 'reference', 'The URI of the manager resource.', { referenceTypes: ['User'] }),
      attribute('displayName', 'string', 'The displayName of the manager.', readOnly),
    ],
  }),
]);

const guid = { ...readOnly, caseExact: false } as const;

export const adObjectSchema = schemaDefinition(CANOPY_AD_OBJECT, 'ActiveDirectoryObject', 'Active Directory attributes of a User or Group', [
  attribute('objectGUID', 'string', 'objectGUID as a lower-case canonical GUID; equals the resource id.', { ...guid, required: true, returned: 'always', mutability: 'immutable', uniqueness: 'global' }),
  attribute('msDsConsistencyGuid', 'string', 'ms-DS-ConsistencyGuid as a canonical GUID, when set.', guid),
  attribute('sourceAnchor', 'string', 'The source anchor: ms-DS-ConsistencyGuid when set, else objectGUID, base64 of the 16 bytes (onPremisesImmutableId).', { ...readOnly, caseExact: true, returned: 'always' }),
  attribute('objectSid', 'string', 'objectSid as S-1-5-21-….', { ...readOnly, caseExact: true }),
  attribute('distinguishedName', 'string', 'The distinguished name (RFC 4514 escaping as AD returns it).', readOnly),
  attribute('parentDn', 'string', 'The distinguished name of the container (OU) holding the object.', readOnly),
  attribute('sAMAccountName', 'string', 'The pre-Windows 2000 logon name.', readOnly),
  attribute('cn', 'string', 'The common name (the RDN value of most users and groups).', readOnly),
  // RFC 7643 has no description on User or Group; AD keeps one value on users and groups (SAM rule).
  attribute('description', 'string', 'The description attribute.', readOnly),
  attribute('userPrincipalName', 'string', 'The user principal name, when set.', readOnly),
  attribute('userAccountControl', 'integer', 'The userAccountControl flags (MS-ADTS §2.2.16).', readOnly),
  // addresses.country carries c (ISO 3166-1 alpha-2, RFC 7643 §4.1.2); co is the country's name.
  attribute('co', 'string', 'The country name (AD co), users only.', readOnly),
  ...CUSTOM_AD_ATTRIBUTES.map((name) => attribute(name, 'string', `AD ${name}, when set, users only.`, readOnly)),
  attribute('displayName', 'string', "AD's displayName of a group, when set (the core displayName falls back to cn), groups only.", readOnly),
  attribute('groupType', 'integer', 'The groupType flags (MS-ADTS §2.2.12), groups only.', readOnly),
  attribute('securityEnabled', 'boolean', 'Whether the group is a security group (groupType 0x80000000), groups only.', readOnly),
  attribute('mail', 'string', 'The mail attribute.', readOnly),
  attribute('mailNickname', 'string', 'The mailNickname attribute.', readOnly),
  attribute('proxyAddresses', 'string', 'The proxyAddresses values (smtp:/SMTP: …).', { ...readOnly, multiValued: true }),
  attribute('objectClass', 'string', 'The objectClass chain as AD lists it.', { ...readOnly, multiValued: true }),
  attribute('whenCreated', 'dateTime', 'whenCreated, ISO-8601 UTC.', readOnly),
  attribute('whenChanged', 'dateTime', 'whenChanged, ISO-8601 UTC.', readOnly),
  attribute('uSNChanged', 'integer', 'uSNChanged on the DC that answered.', readOnly),
]);
