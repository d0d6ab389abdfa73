/**
 * Options of the AD reader and the one place their defaults live.
 */
import type { AdObjectClass } from '../core/ad-object.ts';

export interface AdConnectionOptions {
  /** DC URLs, tried in this order (ldaps://dc1:636, ldap://dc2:389 with startTls, …). */
  urls: string[];
  /** The sync account's DN, for a simple bind (RFC 4513 section 5.1.3). */
  bindDn: string;
  /** The password as read when the options were made (the first bind). */
  password: string;
  /**
   * Reads the password again at every later bind (a reconnect, a credential check), so that
   * a password corrected in the agent's passwordFile is taken without a restart.
   */
  readPassword?: () => string;
  /** PEM file of the CA(s) that issued the DCs' certificates; the system store when absent. */
  caFile?: string;
  /** For ldap:// URLs: upgrade with StartTLS (RFC 4511 section 4.14) before binding. */
  startTls?: boolean;
  /** For ldap:// URLs without startTls: allow a password over plain LDAP. Tests only. */
  allowPlainLdap?: boolean;
  /** TCP and TLS connect timeout per URL. */
  connectTimeoutMs?: number;
  /** Timeout of each LDAP operation (one page of a search). */
  timeoutMs?: number;
}

/** How incremental reads are made. */
export type AdChangeMode =
  /** DirSync when the account may use it, else uSNChanged (the default). */
  | 'auto'
  /** DirSync only; an account without the right fails with ERR_AD_INSUFFICIENT_RIGHTS. */
  | 'dirsync'
  /** uSNChanged plus show-deleted, whatever the account's rights. */
  | 'usn';

export interface AdReaderOptions extends AdConnectionOptions {
  /** The domain head (a naming context of the DC), e.g. DC=corp,DC=example,DC=com. */
  baseDn: string;
  /** Scoping OUs / containers under baseDn; default [baseDn]. */
  scopeDns?: string[];
  /** Entries per page of a paged search (RFC 2696); AD caps it at MaxPageSize (1000). */
  pageSize?: number;
  /**
   * Request multi-valued attributes in ranges of this many values (`member;range=0-499`)
   * even when the DC would send them whole. AD truncates at MaxValRange (1500) anyway.
   */
  maxValueRange?: number;
  /** DNs of accounts that must never sync; the bind account is always excluded. */
  excludeDns?: string[];
  /** Classes read by readAll, search and readChanges; default users, groups and OUs. */
  classes?: AdObjectClass[];
  /** Attributes read besides the ones the reader always reads; default DEFAULT_ATTRIBUTES. */
  attributes?: string[];
  /** Incremental read mechanism; default 'auto'. */
  changeMode?: AdChangeMode;
  /**
   * Set the DirSync OBJECT_SECURITY flag: no replication right needed, only what the
   * account may read is returned (tombstones included only with rights on them).
   */
  dirSyncObjectSecurity?: boolean;
  /** DirSync MaxBytes per page (Windows pages by it; Samba ignores it). */
  dirSyncMaxBytes?: number;
  /**
   * How often the reader confirms, on a short connection of its own, that AD still accepts
   * the account's password (bind-credentials.ts). An open connection stays authenticated
   * after the password is changed in AD, so without this a changed password would go
   * unnoticed until the connection drops.
   */
  credentialCheckMs?: number;
}

export const DEFAULTS = {
  /** RFC 2696 page size; below AD's MaxPageSize of 1000. */
  pageSize: 500,
  /** ldap:// is refused unless startTls or allowPlainLdap. */
  startTls: false,
  allowPlainLdap: false,
  connectTimeoutMs: 5000,
  timeoutMs: 60000,
  /** Users, groups and OUs; computers and contacts only when asked for. */
  classes: ['user', 'group', 'organizationalUnit'] as readonly AdObjectClass[],
  changeMode: 'auto' as AdChangeMode,
  /** Windows' own default for DirSync (1 MB). */
  dirSyncMaxBytes: 1048576,
  /** The reader's credential check: once a minute. */
  credentialCheckMs: 60_000,
  /**
   * A password AD refused is not presented again for this long (unless it changes): retrying
   * it on every poll would lock the account out where AD has a lockout threshold.
   */
  refusedPasswordRetryMs: 10 * 60_000,
  /** GUIDs per batched `(|(objectGUID=…)…)` re-read. */
  guidBatch: 100,
} as const;

/**
 * The attributes read for every object (besides objectGUID, objectSid,
 * mS-DS-ConsistencyGuid and objectClass, which are always read and decoded).
 * They are those Entra Cloud Sync maps by default for users, groups and contacts.
 */
export const DEFAULT_ATTRIBUTES: readonly string[] = [
  'cn', 'name', 'displayName', 'description',
  'sAMAccountName', 'userPrincipalName', 'givenName', 'sn', 'initials', 'mail', 'mailNickname', 'proxyAddresses',
  'employeeID', 'employeeNumber', 'employeeType', 'department', 'title', 'company', 'division', 'manager',
  'telephoneNumber', 'mobile', 'facsimileTelephoneNumber', 'otherTelephone', 'otherMobile', 'ipPhone', 'pager',
  'streetAddress', 'postOfficeBox', 'l', 'st', 'postalCode', 'co', 'c', 'countryCode', 'physicalDeliveryOfficeName',
  'preferredLanguage', 'info', 'wWWHomePage', 'msDS-cloudExtensionAttribute1',
  'extensionAttribute1', 'extensionAttribute2', 'extensionAttribute3', 'extensionAttribute4', 'extensionAttribute5',
  'extensionAttribute6', 'extensionAttribute7', 'extensionAttribute8', 'extensionAttribute9', 'extensionAttribute10',
  'extensionAttribute11', 'extensionAttribute12', 'extensionAttribute13', 'extensionAttribute14', 'extensionAttribute15',
  'userAccountControl', 'accountExpires', 'pwdLastSet', 'lastLogonTimestamp',
  'groupType', 'member', 'managedBy', 'ou', 'dNSHostName', 'operatingSystem',
  'whenCreated', 'whenChanged', 'uSNChanged', 'uSNCreated',
];
