import type {
  AttributeDefinition,
  AttributeMapping,
  DirectoryDefinition,
  SynchronizationSchema,
} from './synchronization-schema.ts';
import { parseExpression, toGraphSource } from '../../expressions/index.ts';
import { CUSTOM_ATTRIBUTES } from '../../core/custom-attributes.ts';

/**
 * The built-in AD → cloud mapping of the AD2AADProvisioning template, as data in Graph's
 * synchronizationSchema shape. The flows follow Connect's "attributes synchronized to
 * Microsoft Entra ID" for the attributes Graph v1.0 exposes on user and group.
 *
 * Decisions where the sources leave room:
 * - country ← c (the ISO 3166 two-letter code): Graph's user.country documents "for
 *   example, US or UK", and the agent's SCIM service carries c (addresses.country), not co.
 *   usageLocation is left to licensing and not set.
 * - accountEnabled, securityEnabled, mailEnabled, displayName and the domain name are
 *   expressions (docs/expressions.md), written out below. onPremisesImmutableId comes from
 *   [sourceAnchor], the engine's remembered anchor (see ANCHOR_MAPPING). Binary attributes
 *   (objectGUID, ms-DS-ConsistencyGuid) read as base64 of their bytes, as Graph shows them.
 * - displayName falls back to the RDN value (cn for users and groups): Graph requires a
 *   display name, AD does not.
 * - Groups are hard-matched only (no soft match), as cloud sync does.
 */

export const DEFAULT_SCHEMA_VERSION = '2026-11-28';
export const SOURCE_DIRECTORY_NAME = 'Active Directory';
export const TARGET_DIRECTORY_NAME = 'Azure Active Directory';
export const DEFAULT_RULE_ID = 'AD2AADProvisioning';

/** A mapping whose source is an expression (`[mail]` is an Attribute source, `F(…)` a Function). */
function mapping(
  expression: string,
  targetAttributeName: string,
  options: Partial<Pick<AttributeMapping, 'flowType' | 'defaultValue' | 'matchingPriority'>> = {},
): AttributeMapping {
  return {
    targetAttributeName,
    defaultValue: options.defaultValue ?? null,
    exportMissingReferences: false,
    flowBehavior: 'FlowWhenChanged',
    flowType: options.flowType ?? 'Always',
    matchingPriority: options.matchingPriority ?? 0,
    source: toGraphSource(parseExpression(expression)),
  };
}

const attribute = (sourceName: string, targetAttributeName: string, options: Parameters<typeof mapping>[2] = {}): AttributeMapping =>
  mapping(`[${sourceName}]`, targetAttributeName, options);

/** Graph requires a display name; AD does not: the RDN value (cn) stands in. */
const DISPLAY_NAME_EXPRESSION = 'IIF(IsPresent(Trim([displayName])), [displayName], DNComponent([distinguishedName], 1))';
/** The DNS name formed by the DC= components of the DN, lower case. */
const DOMAIN_EXPRESSION = 'ToLower(Replace(Replace([distinguishedName], , "(?i)^.*?(?<=^|,)(?=DC=)|DC=", , "", , ), ",", , , ".", , ))';

/**
 * onPremisesImmutableId ← [sourceAnchor]: the anchor the engine resolved when it first saw
 * the object (ms-DS-ConsistencyGuid when set, else objectGUID, base64 of the bytes) and
 * remembers. Not an expression over the object's attributes on purpose: the anchor never
 * changes (ARCHITECTURE.md), even when ms-DS-ConsistencyGuid is written later, and
 * IIF(IsPresent([ms-DS-ConsistencyGuid]), [ms-DS-ConsistencyGuid], [objectGUID]) would.
 */
export const ANCHOR_MAPPING: AttributeMapping = attribute('sourceAnchor', 'onPremisesImmutableId', { flowType: 'ObjectAddOnly', matchingPriority: 1 });

const EXTENSION_ATTRIBUTES = Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`);

const USER_MAPPINGS: readonly AttributeMapping[] = [
  ANCHOR_MAPPING,
  attribute('mail', 'mail', { matchingPriority: 2 }),
  attribute('userPrincipalName', 'userPrincipalName', { matchingPriority: 3 }),
  mapping(DISPLAY_NAME_EXPRESSION, 'displayName'),
  attribute('givenName', 'givenName'),
  attribute('sn', 'surname'),
  attribute('sAMAccountName', 'mailNickname'),
  attribute('proxyAddresses', 'proxyAddresses'),
  attribute('title', 'jobTitle'),
  attribute('department', 'department'),
  attribute('company', 'companyName'),
  attribute('streetAddress', 'streetAddress'),
  attribute('l', 'city'),
  attribute('st', 'state'),
  attribute('postalCode', 'postalCode'),
  attribute('c', 'country'),
  attribute('telephoneNumber', 'businessPhones'),
  attribute('mobile', 'mobilePhone'),
  attribute('employeeID', 'employeeId'),
  attribute('manager', 'manager'),
  // ADS_UF_ACCOUNTDISABLE is userAccountControl bit 0x2 (MS-ADTS 2.2.16).
  mapping('Not(CBool(BitAnd([userAccountControl], 2)))', 'accountEnabled', { defaultValue: 'True' }),
  attribute('distinguishedName', 'onPremisesDistinguishedName'),
  attribute('sAMAccountName', 'onPremisesSamAccountName'),
  attribute('objectSid', 'onPremisesSecurityIdentifier'),
  mapping(DOMAIN_EXPRESSION, 'onPremisesDomainName'),
  attribute('userPrincipalName', 'onPremisesUserPrincipalName'),
  // Exchange's extensionAttribute1–15, as Entra's template maps them (Graph: onPremisesExtensionAttributes).
  ...EXTENSION_ATTRIBUTES.map((name) => attribute(name, name)),
];

const GROUP_MAPPINGS: readonly AttributeMapping[] = [
  ANCHOR_MAPPING,
  mapping(DISPLAY_NAME_EXPRESSION, 'displayName'),
  attribute('description', 'description'),
  attribute('mail', 'mail'),
  mapping('IsPresent(Trim([mail]))', 'mailEnabled', { defaultValue: 'False' }),
  // GROUP_TYPE_SECURITY_ENABLED is groupType bit 0x80000000 (MS-ADTS 2.2.12).
  mapping('CBool(BitAnd([groupType], &H80000000))', 'securityEnabled', { defaultValue: 'True' }),
  attribute('sAMAccountName', 'mailNickname'),
  attribute('proxyAddresses', 'proxyAddresses'),
  attribute('member', 'members'),
  attribute('distinguishedName', 'onPremisesDistinguishedName'),
  attribute('sAMAccountName', 'onPremisesSamAccountName'),
  attribute('objectSid', 'onPremisesSecurityIdentifier'),
  mapping(DOMAIN_EXPRESSION, 'onPremisesDomainName'),
];

function def(name: string, type: AttributeDefinition['type'] = 'String', extra: Partial<AttributeDefinition> = {}): AttributeDefinition {
  return { name, type, multivalued: false, ...extra };
}
const multi = { multivalued: true } as const;

const AD_COMMON: readonly AttributeDefinition[] = [
  def('objectGUID', 'Binary', { anchor: true }),
  def('ms-DS-ConsistencyGuid', 'Binary'),
  def('objectSid', 'Binary'),
  def('distinguishedName'),
  def('cn'),
  def('sAMAccountName'),
  def('displayName'),
  def('description', 'String', multi),
  def('mail'),
  def('proxyAddresses', 'String', multi),
  def('isCriticalSystemObject', 'Boolean'),
  // Not an AD attribute: the anchor the engine resolved and keeps (ANCHOR_MAPPING).
  def('sourceAnchor', 'Binary', { mutability: 'ReadOnly' }),
];

const AD_USER_ONLY: readonly AttributeDefinition[] = [
  'userPrincipalName', 'givenName', 'sn', 'title', 'department', 'company', 'streetAddress', 'l', 'st',
  'postalCode', 'c', 'co', 'telephoneNumber', 'mobile', 'employeeID',
].map((name) => def(name)).concat([
  def('userAccountControl', 'Integer'),
  // Exchange's extensionAttribute1–15 and msDS-cloudExtensionAttribute1–20, which cloud sync
  // offers for custom mappings and directory extensions (core/custom-attributes.ts).
  ...CUSTOM_ATTRIBUTES.map((name) => def(name)),
  def('manager', 'Reference', { referencedObjects: [{ referencedObjectName: 'user' }] }),
]);

const AD_GROUP_ONLY: readonly AttributeDefinition[] = [
  def('groupType', 'Integer'),
  def('member', 'Reference', { multivalued: true, referencedObjects: [{ referencedObjectName: 'user' }, { referencedObjectName: 'group' }] }),
];

/**
 * The password hash as password hash sync reads it (entra-docs, Graph walkthrough: the
 * CredentialData ← [PasswordHash] mapping). Provisioning jobs carry the mapping but do not
 * write it: the AD2AADPasswordHash job does (see password-hash-schema.ts).
 */
const AD_CREDENTIALS: readonly AttributeDefinition[] = [def('PasswordHash', 'String', { mutability: 'ReadOnly' })];

const SOURCE_DIRECTORY: DirectoryDefinition = {
  id: 'ad',
  name: SOURCE_DIRECTORY_NAME,
  readOnly: true,
  version: DEFAULT_SCHEMA_VERSION,
  objects: [
    { name: 'user', attributes: [...AD_COMMON, ...AD_USER_ONLY, ...AD_CREDENTIALS] },
    // AD's inetOrgPerson is a subclass of user (MS-ADSC): the same attributes, its own mapping.
    { name: 'inetOrgPerson', attributes: [...AD_COMMON, ...AD_USER_ONLY, ...AD_CREDENTIALS] },
    { name: 'group', attributes: [...AD_COMMON, ...AD_GROUP_ONLY] },
  ],
};

const GRAPH_USER: readonly AttributeDefinition[] = [
  def('onPremisesImmutableId', 'String', { anchor: true, mutability: 'Immutable' }),
  def('userPrincipalName', 'String', { required: true }),
  def('displayName', 'String', { required: true }),
  def('mailNickname', 'String', { required: true }),
  def('accountEnabled', 'Boolean'),
  def('proxyAddresses', 'String', multi),
  def('businessPhones', 'String', multi),
  def('manager', 'Reference', { referencedObjects: [{ referencedObjectName: 'User' }] }),
  def('CredentialData', 'String', { mutability: 'WriteOnly' }),
  ...['mail', 'givenName', 'surname', 'jobTitle', 'department', 'companyName', 'streetAddress', 'city', 'state',
    'postalCode', 'country', 'mobilePhone', 'employeeId', 'onPremisesDistinguishedName', 'onPremisesSamAccountName',
    'onPremisesSecurityIdentifier', 'onPremisesDomainName', 'onPremisesUserPrincipalName', ...EXTENSION_ATTRIBUTES].map((name) => def(name)),
];

const GRAPH_GROUP: readonly AttributeDefinition[] = [
  def('onPremisesImmutableId', 'String', { anchor: true, mutability: 'Immutable' }),
  def('displayName', 'String', { required: true }),
  def('mailNickname', 'String', { required: true }),
  def('mailEnabled', 'Boolean'),
  def('securityEnabled', 'Boolean'),
  def('proxyAddresses', 'String', multi),
  def('members', 'Reference', { multivalued: true, referencedObjects: [{ referencedObjectName: 'User' }, { referencedObjectName: 'Group' }] }),
  ...['description', 'mail', 'onPremisesDistinguishedName', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier',
    'onPremisesDomainName'].map((name) => def(name)),
];

const TARGET_DIRECTORY: DirectoryDefinition = {
  id: 'aad',
  name: TARGET_DIRECTORY_NAME,
  readOnly: false,
  version: DEFAULT_SCHEMA_VERSION,
  objects: [
    { name: 'User', attributes: GRAPH_USER },
    { name: 'Group', attributes: GRAPH_GROUP },
  ],
};

export const DEFAULT_SCHEMA: SynchronizationSchema = {
  id: DEFAULT_RULE_ID,
  version: DEFAULT_SCHEMA_VERSION,
  directories: [SOURCE_DIRECTORY, TARGET_DIRECTORY],
  synchronizationRules: [
    {
      id: DEFAULT_RULE_ID,
      name: 'AD2AADProvisioning',
      editable: true,
      priority: 1,
      sourceDirectoryName: SOURCE_DIRECTORY_NAME,
      targetDirectoryName: TARGET_DIRECTORY_NAME,
      containerFilter: { includedContainers: [] },
      groupFilter: null,
      metadata: [],
      objectMappings: [
        {
          name: 'Provision Active Directory users',
          enabled: true,
          flowTypes: 'Add, Update, Delete',
          sourceObjectName: 'user',
          targetObjectName: 'User',
          scope: null,
          metadata: [],
          attributeMappings: USER_MAPPINGS,
        },
        {
          name: 'Provision Active Directory groups',
          enabled: true,
          flowTypes: 'Add, Update, Delete',
          sourceObjectName: 'group',
          targetObjectName: 'Group',
          scope: null,
          metadata: [],
          attributeMappings: GROUP_MAPPINGS,
        },
        {
          // Entra's template maps inetOrgPersons apart from users, with the same flows; the
          // walkthrough's CredentialData step edits both ("Remember to do this action for both").
          name: 'Provision Active Directory inetOrgPersons',
          enabled: true,
          flowTypes: 'Add, Update, Delete',
          sourceObjectName: 'inetOrgPerson',
          targetObjectName: 'User',
          scope: null,
          metadata: [],
          attributeMappings: USER_MAPPINGS,
        },
      ],
    },
  ],
};

/** A deep copy, so a job can edit its schema without touching the default. */
export function defaultSchema(): SynchronizationSchema {
  return structuredClone(DEFAULT_SCHEMA) as SynchronizationSchema;
}
