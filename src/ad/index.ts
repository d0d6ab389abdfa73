/**
 * The `ad` part: reading Active Directory over LDAP with ldapts 8.
 *
 * - AdReader.connect tries each DC URL in order (LDAPS, or ldap:// with StartTLS; plain
 *   LDAP only with allowPlainLdap), binds simply, and checks that baseDn is a naming
 *   context of the DC. Errors are CanopyErrors naming the cause: ERR_AD_INVALID_CREDENTIALS,
 *   ERR_AD_UNREACHABLE (every URL and why), ERR_AD_TLS_UNTRUSTED, ERR_AD_TLS,
 *   ERR_AD_BASE_DN_OUTSIDE_DOMAIN, ERR_CONFIG_INVALID. Referrals are never chased.
 * - readAll / search / readObject / readObjectsByDn read whole objects of the scope
 *   (isCriticalSystemObject, the bind account and excludeDns never), paged, with ranged
 *   retrieval of `member`. A DC keeps only ~10 paged searches per connection (AD's
 *   MaxResultSetsPerConn; Samba drops the oldest, whose next page fails with LDAP 53), so
 *   a caller holding a paged read open (readChanges, search) must not start many more
 *   paged searches on the same reader meanwhile; readObject and readObjectsByDn are not
 *   paged (base reads, batches of 100, two at a time) and are safe then. A paged search
 *   reads one page ahead (the DC finds the next page while this one is decoded). Whole
 *   reads (readAll, the full read of readChanges) give groups after the other classes, so
 *   that member DNs name objects already read. Deletions carry the object's class when
 *   the reader can tell it (AdChange 'delete'.objectClass).
 * - readChanges(watermark) yields AdChangePages: DirSync when the account may, else
 *   uSNChanged plus tombstones. No watermark, a watermark for another scope, a uSNChanged
 *   watermark from another DC (invocationId) or a change of mode lead to a full read whose
 *   pages carry `reset` (see AdChangePage.reset): the caller deletes what it holds and the
 *   read did not return. Watermarks are opaque, replay-safe on every page.
 * - AdChangeWatcher wakes the caller on change notifications (never a source of truth).
 */
export { AdReader, type AdServerInfo } from './reader.ts';
export { AdChangeWatcher, NOTIFICATION_OID, type AdChangeSignal, type AdChangeWatcherOptions, type AdWatchState } from './change-watcher.ts';
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
