/**
 * One table per object type naming every stored property and its kind. Adapters derive their
 * columns from it (camelCase → snake_case) and the API its $select / $filter checks, so a new
 * property is added in one place.
 */
import { CACHE_BOUNDS } from '../core/cache-bounds.ts';
import type { GroupProperties, UserProperties } from './types.ts';

/** `string`: text compared case-insensitively (Graph's string semantics); `strings`: multi-valued. */
export type PropertyKind = 'string' | 'boolean' | 'strings' | 'datetime' | 'id';

export const USER_PROPERTIES: Readonly<Record<keyof UserProperties, PropertyKind>> = Object.freeze({
  userPrincipalName: 'string',
  displayName: 'string',
  givenName: 'string',
  surname: 'string',
  mail: 'string',
  mailNickname: 'string',
  proxyAddresses: 'strings',
  jobTitle: 'string',
  department: 'string',
  companyName: 'string',
  officeLocation: 'string',
  streetAddress: 'string',
  city: 'string',
  state: 'string',
  postalCode: 'string',
  country: 'string',
  usageLocation: 'string',
  businessPhones: 'strings',
  mobilePhone: 'string',
  faxNumber: 'string',
  employeeId: 'string',
  accountEnabled: 'boolean',
  // Anchors and SIDs are compared exactly: base64 is case-sensitive.
  onPremisesImmutableId: 'id',
  onPremisesSyncEnabled: 'boolean',
  onPremisesDistinguishedName: 'string',
  onPremisesSamAccountName: 'string',
  onPremisesSecurityIdentifier: 'id',
  onPremisesDomainName: 'string',
  onPremisesUserPrincipalName: 'string',
  onPremisesLastSyncDateTime: 'datetime',
  managerId: 'id',
  // JSON text of an object (types.ts): stored as text, never filtered or exposed as such.
  directoryExtensions: 'id',
  onPremisesExtensionAttributes: 'id',
});

export const GROUP_PROPERTIES: Readonly<Record<keyof GroupProperties, PropertyKind>> = Object.freeze({
  displayName: 'string',
  description: 'string',
  mail: 'string',
  mailEnabled: 'boolean',
  mailNickname: 'string',
  securityEnabled: 'boolean',
  groupTypes: 'strings',
  proxyAddresses: 'strings',
  onPremisesSyncEnabled: 'boolean',
  onPremisesSamAccountName: 'string',
  onPremisesSecurityIdentifier: 'id',
  onPremisesDomainName: 'string',
  onPremisesNetBiosName: 'string',
  onPremisesLastSyncDateTime: 'datetime',
  sourceAnchor: 'id',
  onPremisesDistinguishedName: 'string',
});

/** Properties every object has besides the writable ones. */
export const COMMON_PROPERTIES: Readonly<Record<'id' | 'createdDateTime' | 'deletedDateTime', PropertyKind>> = Object.freeze({
  id: 'id',
  createdDateTime: 'datetime',
  deletedDateTime: 'datetime',
});

const snakeCases = new Map<string, string>();

/** Memoized: every read and write maps the same few dozen property names. */
export function snakeCase(name: string): string {
  let snake = snakeCases.get(name);
  if (snake === undefined) {
    snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (snakeCases.size < CACHE_BOUNDS.propertyColumnNames) snakeCases.set(name, snake);
  }
  return snake;
}
