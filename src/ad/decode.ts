/**
 * Codecs for the AD attribute syntaxes that are not plain text: GUIDs, SIDs, FILETIME
 * integers, generalized time, and the userAccountControl / groupType bit fields.
 * Every function is pure; bad input throws TypeError naming what was wrong.
 */

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * objectGUID / ms-DS-ConsistencyGuid bytes to the canonical string. The first three
 * fields are little-endian on the wire (MS-DTYP 2.3.4.2 GUID packet representation),
 * the last eight bytes are in order.
 */
export function guidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new TypeError(`a GUID has 16 bytes, got ${bytes.length}`);
  // Every object read decodes one or two GUIDs: a table of byte → hex pair, no arrays.
  const h = (i: number): string => HEX_PAIRS[bytes[i] as number] as string;
  return `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Byte i of the AD form comes from hex digits at GUID_BYTE_AT[i] of the string (dashes counted). */
const GUID_BYTE_AT = [6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34];

/** The value of a hex digit's character code (the caller has checked it is one). */
function hexDigit(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

/** The inverse of guidFromBytes: the 16 bytes AD stores for a GUID string. */
export function guidToBytes(guid: string): Buffer {
  if (!GUID_PATTERN.test(guid)) throw new TypeError(`not a GUID: ${JSON.stringify(guid)}`);
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i += 1) {
    const at = GUID_BYTE_AT[i] as number;
    out[i] = (hexDigit(guid.charCodeAt(at)) << 4) | hexDigit(guid.charCodeAt(at + 1));
  }
  return out;
}

export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

/** A GUID as base64 of its AD byte order: Entra's onPremisesImmutableId. */
export function guidToBase64(guid: string): string {
  return guidToBytes(guid).toString('base64');
}

export function guidFromBase64(base64: string): string {
  return guidFromBytes(Buffer.from(base64, 'base64'));
}

/**
 * objectSid bytes to the S-1-… form (MS-DTYP 2.4.2.2): revision, sub-authority count,
 * a 48-bit big-endian identifier authority, then 32-bit little-endian sub-authorities.
 */
export function sidFromBytes(bytes: Uint8Array): string {
  if (bytes.length < 8) throw new TypeError(`a SID has at least 8 bytes, got ${bytes.length}`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const revision = view.readUInt8(0);
  const count = view.readUInt8(1);
  if (bytes.length !== 8 + 4 * count) {
    throw new TypeError(`a SID with ${count} sub-authorities has ${8 + 4 * count} bytes, got ${bytes.length}`);
  }
  const authority = view.readUIntBE(2, 6);
  const parts = [`S-${revision}-${authority}`];
  for (let i = 0; i < count; i += 1) parts.push(String(view.readUInt32LE(8 + 4 * i)));
  return parts.join('-');
}

export function sidToBytes(sid: string): Buffer {
  const match = /^S-(\d+)-(\d+)((?:-\d+)*)$/i.exec(sid);
  if (!match) throw new TypeError(`not a SID: ${JSON.stringify(sid)}`);
  const subs = (match[3] ?? '').split('-').filter(Boolean).map(Number);
  const out = Buffer.alloc(8 + 4 * subs.length);
  out.writeUInt8(Number(match[1]), 0);
  out.writeUInt8(subs.length, 1);
  out.writeUIntBE(Number(match[2]), 2, 6);
  subs.forEach((sub, i) => {
    if (sub > 0xffffffff) throw new TypeError(`SID sub-authority out of range in ${sid}`);
    out.writeUInt32LE(sub, 8 + 4 * i);
  });
  return out;
}

/** 100-ns intervals between 1601-01-01 and 1970-01-01 (MS-DTYP 2.3.3 FILETIME). */
const FILETIME_UNIX_EPOCH = 116444736000000000n;
const FILETIME_NEVER = 0x7fffffffffffffffn;

/**
 * A FILETIME integer attribute (accountExpires, pwdLastSet, lastLogonTimestamp, …) to
 * ISO-8601 UTC. 0 and 0x7FFFFFFFFFFFFFFF mean "never" (MS-ADA1 accountExpires) and give
 * undefined, as does any value before the Unix epoch AD never writes for real events.
 */
export function fileTimeToIso(value: string | bigint): string | undefined {
  let ticks: bigint;
  try {
    ticks = typeof value === 'bigint' ? value : BigInt(value.trim());
  } catch {
    throw new TypeError(`not a FILETIME integer: ${JSON.stringify(value)}`);
  }
  if (ticks <= 0n || ticks >= FILETIME_NEVER) return undefined;
  const ms = (ticks - FILETIME_UNIX_EPOCH) / 10000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString();
}

export function isoToFileTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new TypeError(`not an ISO date: ${JSON.stringify(iso)}`);
  return (BigInt(ms) * 10000n + FILETIME_UNIX_EPOCH).toString();
}

/**
 * GeneralizedTime (RFC 4517 3.3.13), as AD writes whenCreated: "20261128085131.0Z".
 * Minutes and seconds are optional, the fraction applies to the last unit given, and a
 * missing zone is rejected (AD always writes Z).
 */
export function generalizedTimeToIso(value: string): string {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)$/.exec(value.trim());
  if (!match) throw new TypeError(`not a GeneralizedTime: ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = match as unknown as [string, string, string, string, string, string | undefined, string | undefined, string | undefined, string];
  const fraction = frac ? Number(`0.${frac}`) : 0;
  // The fraction is of the last unit present: an hour, a minute or a second.
  const unitMs = s !== undefined ? 1000 : mi !== undefined ? 60000 : 3600000;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi ?? 0), Number(s ?? 0)) + Math.round(fraction * unitMs);
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offset = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5) || 0);
    ms -= sign * offset * 60000;
  }
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a GeneralizedTime: ${JSON.stringify(value)}`);
  return date.toISOString();
}

/** userAccountControl bits, MS-ADTS 2.2.16. */
export const UserAccountControl = {
  SCRIPT: 0x1,
  ACCOUNTDISABLE: 0x2,
  HOMEDIR_REQUIRED: 0x8,
  LOCKOUT: 0x10,
  PASSWD_NOTREQD: 0x20,
  PASSWD_CANT_CHANGE: 0x40,
  ENCRYPTED_TEXT_PWD_ALLOWED: 0x80,
  TEMP_DUPLICATE_ACCOUNT: 0x100,
  NORMAL_ACCOUNT: 0x200,
  INTERDOMAIN_TRUST_ACCOUNT: 0x800,
  WORKSTATION_TRUST_ACCOUNT: 0x1000,
  SERVER_TRUST_ACCOUNT: 0x2000,
  DONT_EXPIRE_PASSWORD: 0x10000,
  MNS_LOGON_ACCOUNT: 0x20000,
  SMARTCARD_REQUIRED: 0x40000,
  TRUSTED_FOR_DELEGATION: 0x80000,
  NOT_DELEGATED: 0x100000,
  USE_DES_KEY_ONLY: 0x200000,
  DONT_REQ_PREAUTH: 0x400000,
  PASSWORD_EXPIRED: 0x800000,
  TRUSTED_TO_AUTH_FOR_DELEGATION: 0x1000000,
  PARTIAL_SECRETS_ACCOUNT: 0x4000000,
} as const;

export type UserAccountControlFlag = keyof typeof UserAccountControl;

function toUint32(value: number | string): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) {
    throw new TypeError(`not a 32-bit integer: ${JSON.stringify(value)}`);
  }
  return n >>> 0;
}

/** The names of the bits set, in the order MS-ADTS lists them. */
export function userAccountControlFlags(value: number | string): UserAccountControlFlag[] {
  const bits = toUint32(value);
  return (Object.keys(UserAccountControl) as UserAccountControlFlag[]).filter((name) => (bits & UserAccountControl[name]) !== 0);
}

export function isAccountDisabled(userAccountControl: number | string): boolean {
  return (toUint32(userAccountControl) & UserAccountControl.ACCOUNTDISABLE) !== 0;
}

/** groupType bits, MS-ADTS 2.2.12. The value is signed in LDAP (-2147483646 is a global security group). */
export interface GroupTypeInfo {
  readonly security: boolean;
  readonly scope: 'global' | 'domainLocal' | 'universal' | 'builtin' | 'unknown';
}

export function groupTypeInfo(value: number | string): GroupTypeInfo {
  const bits = toUint32(value);
  const scope = bits & 0x2 ? 'global' : bits & 0x4 ? 'domainLocal' : bits & 0x8 ? 'universal' : bits & 0x1 ? 'builtin' : 'unknown';
  return { security: (bits & 0x80000000) !== 0, scope };
}

/**
 * Strips the extended-DN prefixes (`<GUID=…>;<SID=…>;`, MS-ADTS 3.1.1.3.4.1.5) that AD
 * puts on some DN values, e.g. lastKnownParent of a tombstone read through DirSync.
 */
export function dnFromExtendedDn(value: string): string {
  return value.replace(/^(?:<[A-Za-z]+=[^>]*>;)+/, '');
}

/** The GUID inside an extended DN's `<GUID=…>` part, when present. */
export function guidFromExtendedDn(value: string): string | undefined {
  const match = /<GUID=([0-9a-fA-F-]{36})>/.exec(value);
  return match?.[1]?.toLowerCase();
}
