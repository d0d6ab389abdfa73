/**
 * From an ldapts search entry to an AdObject: the identifiers decoded, times as ISO-8601,
 * binary values as base64, the most specific object class picked.
 */
import type { Entry } from 'ldapts';
import type { AdObject, AdObjectClass } from '../core/ad-object.ts';
import { fileTimeToIso, generalizedTimeToIso, guidFromBytes, sidFromBytes } from './decode.ts';

/** Read for every object, and decoded into AdObject's own fields. */
export const IDENTITY_ATTRIBUTES = ['objectGUID', 'objectClass', 'objectSid', 'mS-DS-ConsistencyGuid'] as const;

/** Attributes with binary syntax that may be read; ldapts must hand them over as bytes. */
const BINARY_ATTRIBUTES = [
  'objectGUID', 'objectSid', 'mS-DS-ConsistencyGuid', 'parentGUID', 'invocationId', 'sIDHistory',
  'thumbnailPhoto', 'jpegPhoto', 'userCertificate', 'msExchMailboxGuid',
];

/**
 * ldapts matches explicitBufferAttributes against the attribute type exactly as the DC
 * sends it, so list the schema spelling and the lower-case one.
 */
export const BUFFER_ATTRIBUTES: string[] = [...new Set([...BINARY_ATTRIBUTES, ...BINARY_ATTRIBUTES.map((name) => name.toLowerCase()), 'ms-DS-ConsistencyGuid'])];

const BINARY_LOWER = new Set(BINARY_ATTRIBUTES.map((n) => n.toLowerCase()));
/** FILETIME (Integer8) attributes, MS-ADA1/MS-ADA3. */
const FILETIME_LOWER = new Set(['accountexpires', 'pwdlastset', 'lastlogontimestamp', 'lastlogon', 'lastlogoff', 'badpasswordtime', 'lockouttime']);
/** GeneralizedTime attributes. */
const GENERALIZED_LOWER = new Set(['whencreated', 'whenchanged', 'dscorepropagationdata']);

export type EntryValue = Entry[string];

export function entryValues(value: EntryValue | undefined): (string | Buffer)[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  return [value];
}

export function entryStrings(value: EntryValue | undefined): string[] {
  return entryValues(value).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

/** The value of an attribute, looked up case-insensitively (DCs differ in spelling). */
export function entryGet(entry: Entry, name: string): EntryValue | undefined {
  if (name in entry) return entry[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(entry)) if (key.toLowerCase() === lower) return entry[key];
  return undefined;
}

function firstBuffer(value: EntryValue | undefined): Buffer | undefined {
  const first = entryValues(value)[0];
  if (first === undefined) return undefined;
  // A GUID whose 16 bytes happen to be valid UTF-8 may arrive as text if the DC spelt
  // the attribute in a case not listed; re-encode it as the bytes it was.
  return Buffer.isBuffer(first) ? first : Buffer.from(first, 'utf8');
}

export function entryGuid(entry: Entry): string | undefined {
  const bytes = firstBuffer(entryGet(entry, 'objectGUID'));
  return bytes?.length === 16 ? guidFromBytes(bytes) : undefined;
}

/** The most specific class Canopy syncs, from the objectClass chain. */
export function mostSpecificClass(objectClasses: readonly string[]): AdObjectClass | undefined {
  const set = new Set(objectClasses.map((c) => c.toLowerCase()));
  if (set.has('computer')) return 'computer';
  if (set.has('group')) return 'group';
  if (set.has('organizationalunit')) return 'organizationalUnit';
  if (set.has('contact')) return 'contact';
  if (set.has('user')) return 'user';
  return undefined;
}

/** Decodes one attribute's values to text; FILETIME "never" values are dropped. */
export function decodeValues(name: string, values: readonly (string | Buffer)[]): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const value of values) {
    if (lower === 'sidhistory' && Buffer.isBuffer(value)) {
      out.push(sidFromBytes(value));
    } else if (BINARY_LOWER.has(lower) || Buffer.isBuffer(value)) {
      out.push(Buffer.isBuffer(value) ? value.toString('base64') : Buffer.from(value, 'utf8').toString('base64'));
    } else if (FILETIME_LOWER.has(lower)) {
      const iso = fileTimeToIso(value);
      if (iso !== undefined) out.push(iso);
    } else if (GENERALIZED_LOWER.has(lower)) {
      out.push(generalizedTimeToIso(value));
    } else {
      out.push(value);
    }
  }
  return out;
}

const IDENTITY_LOWER = new Set(IDENTITY_ATTRIBUTES.map((n) => n.toLowerCase()).concat(['msds-consistencyguid', 'dn']));

/**
 * Builds an AdObject from a complete entry (ranged values already merged). Returns
 * undefined for entries that are not of a class Canopy syncs or carry no objectGUID.
 * Attributes returned without values are left out.
 */
export function toAdObject(entry: Entry, classOverride?: readonly string[]): AdObject | undefined {
  const objectGuid = entryGuid(entry);
  const objectClasses = classOverride ?? entryStrings(entryGet(entry, 'objectClass'));
  const objectClass = mostSpecificClass(objectClasses);
  if (!objectGuid || !objectClass) return undefined;
  const sid = firstBuffer(entryGet(entry, 'objectSid'));
  const consistency = firstBuffer(entryGet(entry, 'mS-DS-ConsistencyGuid'));
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(entry)) {
    if (IDENTITY_LOWER.has(name.toLowerCase())) continue;
    const values = entryValues(value);
    if (values.length === 0) continue;
    const decoded = decodeValues(name, values);
    if (decoded.length > 0) attributes[name] = decoded;
  }
  const object: { -readonly [K in keyof AdObject]: AdObject[K] } = { dn: entry.dn, objectGuid, objectClass, objectClasses, attributes };
  if (sid && sid.length >= 8) object.objectSid = sidFromBytes(sid);
  if (consistency?.length === 16) object.consistencyGuid = guidFromBytes(consistency);
  else if (consistency && consistency.length > 0) attributes['mS-DS-ConsistencyGuid'] = [consistency.toString('base64')];
  return object;
}
