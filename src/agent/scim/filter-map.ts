/**
 * Which AD attribute each filterable SCIM attribute reads, per resource type. Keys are
 * lower-case paths: `attr`, `attr.sub`, or `<extension urn>:attr` (the core URN prefix is
 * stripped before lookup). A SCIM attribute that is not here is not filterable: 400
 * invalidFilter, never a silent full scan.
 */
import { CANOPY_AD_OBJECT, ENTERPRISE_USER } from '../../scim/urns.ts';

export type FilterMapping =
  /** Text; several attributes mean "the first that is set" (userName: UPN, else sAMAccountName). */
  | { readonly kind: 'string'; readonly ldap: readonly string[] }
  /** A GUID attribute compared as its 16 bytes. */
  | { readonly kind: 'guid'; readonly ldap: string }
  /** The source anchor as a GUID string: ms-DS-ConsistencyGuid when set, else objectGUID. */
  | { readonly kind: 'anchor' }
  /** The source anchor as base64 of the 16 bytes (onPremisesImmutableId). */
  | { readonly kind: 'anchorBase64' }
  /** A boolean read off one bit of an integer; `whenSet` is the SCIM value when the bit is 1. */
  | { readonly kind: 'flag'; readonly ldap: string; readonly bit: number; readonly whenSet: boolean }
  | { readonly kind: 'integer'; readonly ldap: string }
  | { readonly kind: 'time'; readonly ldap: string }
  | { readonly kind: 'sid'; readonly ldap: string }
  | { readonly kind: 'dn'; readonly ldap: string };

const text = (...ldap: string[]): FilterMapping => ({ kind: 'string', ldap });
const ad = (name: string) => `${CANOPY_AD_OBJECT}:${name}`.toLowerCase();
const enterprise = (name: string) => `${ENTERPRISE_USER}:${name}`.toLowerCase();
export const CONSISTENCY_GUID = 'mS-DS-ConsistencyGuid';

const common: Record<string, FilterMapping> = {
  id: { kind: 'guid', ldap: 'objectGUID' },
  externalid: { kind: 'anchor' },
  'meta.lastmodified': { kind: 'time', ldap: 'whenChanged' },
  'meta.created': { kind: 'time', ldap: 'whenCreated' },
  [ad('objectGUID')]: { kind: 'guid', ldap: 'objectGUID' },
  [ad('msDsConsistencyGuid')]: { kind: 'guid', ldap: CONSISTENCY_GUID },
  [ad('sourceAnchor')]: { kind: 'anchorBase64' },
  [ad('objectSid')]: { kind: 'sid', ldap: 'objectSid' },
  [ad('distinguishedName')]: { kind: 'dn', ldap: 'distinguishedName' },
  [ad('sAMAccountName')]: text('sAMAccountName'),
  [ad('cn')]: text('cn'),
  [ad('description')]: text('description'),
  [ad('mail')]: text('mail'),
  [ad('mailNickname')]: text('mailNickname'),
  [ad('proxyAddresses')]: text('proxyAddresses'),
  [ad('objectClass')]: text('objectClass'),
  [ad('whenCreated')]: { kind: 'time', ldap: 'whenCreated' },
  [ad('whenChanged')]: { kind: 'time', ldap: 'whenChanged' },
  [ad('uSNChanged')]: { kind: 'integer', ldap: 'uSNChanged' },
};

export const userFilterMap: ReadonlyMap<string, FilterMapping> = new Map(Object.entries({
  ...common,
  username: text('userPrincipalName', 'sAMAccountName'),
  displayname: text('displayName'),
  'name.givenname': text('givenName'),
  'name.familyname': text('sn'),
  'name.middlename': text('middleName'),
  title: text('title'),
  usertype: text('employeeType'),
  preferredlanguage: text('preferredLanguage'),
  // RFC 7643 §4.1.1 active; MS-ADTS 2.2.16 ACCOUNTDISABLE (0x2) set means inactive.
  active: { kind: 'flag', ldap: 'userAccountControl', bit: 0x2, whenSet: false },
  emails: text('mail'),
  'emails.value': text('mail'),
  [enterprise('employeeNumber')]: text('employeeID'),
  [enterprise('organization')]: text('company'),
  [enterprise('division')]: text('division'),
  [enterprise('department')]: text('department'),
  [ad('userPrincipalName')]: text('userPrincipalName'),
  [ad('userAccountControl')]: { kind: 'integer', ldap: 'userAccountControl' },
  [ad('co')]: text('co'),
}));

export const groupFilterMap: ReadonlyMap<string, FilterMapping> = new Map(Object.entries({
  ...common,
  displayname: text('displayName', 'cn'),
  [ad('groupType')]: { kind: 'integer', ldap: 'groupType' },
  // MS-ADTS 2.2.12 GROUP_TYPE_SECURITY_ENABLED.
  [ad('securityEnabled')]: { kind: 'flag', ldap: 'groupType', bit: 0x80000000, whenSet: true },
}));
