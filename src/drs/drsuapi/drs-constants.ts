/**
 * Constants of MS-DRSR used by this client, with the section that defines each.
 */
import type { Interface } from '../rpc/pdu.ts';

/** The drsuapi interface, e3514235-4b06-11d1-ab04-00c04fc2dcd2 version 4.0 (MS-DRSR 2.1). */
export const DRSUAPI: Interface = { uuid: 'e3514235-4b06-11d1-ab04-00c04fc2dcd2', major: 4, minor: 0 };

/** Operation numbers (MS-DRSR 4.1). */
export const Opnum = { DRS_BIND: 0, DRS_UNBIND: 1, DRS_GET_NC_CHANGES: 3 } as const;

/** DRS_EXTENSIONS_INT.dwFlags (MS-DRSR 5.39): request V8, reply V6, strong encryption. */
export const DrsExtension = {
  BASE: 0x00000001,
  STRONG_ENCRYPTION: 0x00008000,
  GETCHGREQ_V6: 0x00400000,
  GETCHGREQ_V8: 0x01000000,
  GETCHGREPLY_V6: 0x04000000,
} as const;

/** DRS_OPTIONS for IDL_DRSGetNCChanges (MS-DRSR 5.41). */
export const DrsOption = {
  WRIT_REP: 0x00000010,
  INIT_SYNC: 0x00000020,
} as const;

/** EXOP codes (MS-DRSR 4.1.10.2.21). */
export const ExtendedOp = { NONE: 0, REPL_OBJ: 6, REPL_SECRET: 7 } as const;

/** OIDs of the attributes the password hash reader asks for (MS-ADA1, MS-ADA3). */
export const AttributeOid = {
  objectClass: '2.5.4.0',
  objectSid: '1.2.840.113556.1.4.146',
  sAMAccountName: '1.2.840.113556.1.4.221',
  userAccountControl: '1.2.840.113556.1.4.8',
  pwdLastSet: '1.2.840.113556.1.4.96',
  unicodePwd: '1.2.840.113556.1.4.90',
  userPrincipalName: '1.2.840.113556.1.4.656',
} as const;

/** Attributes whose values MS-DRSR 4.1.10.6.11 encrypts with the session key. */
export const SECRET_ATTRIBUTE_OIDS: ReadonlySet<string> = new Set([
  AttributeOid.unicodePwd,
  '1.2.840.113556.1.4.55', // dBCSPwd
  '1.2.840.113556.1.4.94', // ntPwdHistory
  '1.2.840.113556.1.4.160', // lmPwdHistory
  '1.2.840.113556.1.4.125', // supplementalCredentials
]);

/** Win32 errors the DC answers (MS-ERREF 2.2). */
export const Werror = {
  DS_DRA_ACCESS_DENIED: 0x00002105,
  DS_DRA_BAD_DN: 0x000020f7,
  DS_DRA_BAD_NC: 0x000020f8,
  ACCESS_DENIED: 0x00000005,
} as const;
