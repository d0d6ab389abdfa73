/**
 * Building LDAP filter text (RFC 4515) from SCIM values. Every assertion value goes
 * through `escapeValue`; GUIDs go through `escapeGuid` as their 16 stored bytes.
 */
import { guidToBytes } from '../../ad/decode.ts';
import { escapeFilterValue } from '../../ad/filter.ts';

/**
 * RFC 4515 §3 escaping of an assertion value, from the AD reader: `*`, `(`, `)`, `\` and
 * NUL become `\XX`; non-ASCII stays UTF-8 text (RFC 4511 §4.1.2), because ldapts turns
 * each `\XX` into one UTF-16 code unit before encoding UTF-8.
 */
export const escapeValue = escapeFilterValue;

/** objectGUID / ms-DS-ConsistencyGuid as `\xx` bytes in AD storage order (MS-DTYP 2.3.4.2). */
export function escapeGuid(guid: string): string {
  return [...guidToBytes(guid)].map((byte) => `\\${byte.toString(16).padStart(2, '0')}`).join('');
}

/** ISO-8601 to GeneralizedTime (RFC 4517 §3.3.13) as AD compares it: `YYYYMMDDHHMMSS.0Z`. */
export function isoToGeneralizedTime(iso: string): string | undefined {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  const date = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}.0Z`;
}

export const and = (parts: readonly string[]) => (parts.length === 1 ? (parts[0] as string) : `(&${parts.join('')})`);
export const or = (parts: readonly string[]) => (parts.length === 1 ? (parts[0] as string) : `(|${parts.join('')})`);
export const not = (part: string) => `(!${part})`;
/** Matches nothing: AD does not support the absolute false filter `(|)` of RFC 4526. */
export const NOTHING = '(!(objectClass=*))';
/** LDAP_MATCHING_RULE_BIT_AND (MS-ADTS 3.1.1.3.4.4.1). */
export const BIT_AND = '1.2.840.113556.1.4.803';
