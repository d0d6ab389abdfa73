/**
 * The `ad` part: reading Active Directory over LDAP with ldapts. See reader.ts.
 */
export { AdReader, type AdServerInfo } from './reader.ts';
export { DEFAULTS, DEFAULT_ATTRIBUTES, type AdChangeMode, type AdConnectionOptions, type AdReaderOptions } from './options.ts';
export { connect, type AdConnection } from './connection.ts';
export { and, classFilter, classesFilter, eq, escapeFilterValue, ge, guidsFilter, le, not, or, parseFilter, presence, substring } from './filter.ts';
export {
  dnFromExtendedDn, fileTimeToIso, generalizedTimeToIso, groupTypeInfo, guidFromBase64, guidFromBytes, guidFromExtendedDn, guidToBase64,
  guidToBytes, isAccountDisabled, isGuid, isoToFileTime, sidFromBytes, sidToBytes, UserAccountControl, userAccountControlFlags,
  type GroupTypeInfo, type UserAccountControlFlag,
} from './decode.ts';
export { DirSyncControl, DirSyncFlags, DIRSYNC_OID, SHOW_DELETED_OID, showDeletedControl } from './controls.ts';
export { DnScope, dnEquals, isDnUnder, normalizeDn } from './dn.ts';
