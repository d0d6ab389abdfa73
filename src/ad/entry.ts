/**
 * From an ldapts search entry to an AdObject: the identifiers decoded, times as ISO-8601,
 * binary values as base64, the most specific object class picked.
 */
import type { Entry } from 'ldapts';
import type { AdObject, AdObjectClass } from '../core/ad-object.ts';
import { fileTimeToIso, generalizedTimeToIso, guidFromBytes, sidFromBytes } from './decode.ts';
import { CACHE_BOUNDS } from '../core/cache-bounds.ts';

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

/** How an attribute's values are decoded: looked up once per attribute name, not per value. */
const Kind = {
  /** Identity attributes (decoded into AdObject's own fields) and `dn`. */
  Skip: 0,
  Text: 1,
  /** Binary syntax: base64. */
  Binary: 2,
  /** sIDHistory: SIDs when they arrive as bytes. */
  SidHistory: 3,
  FileTime: 4,
  GeneralizedTime: 5,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const IDENTITY_LOWER = new Set(IDENTITY_ATTRIBUTES.map((n) => n.toLowerCase()).concat(['msds-consistencyguid', 'dn']));

/**
 * Kinds by attribute name as the DC spells it. The names of a read repeat for every entry,
 * so a read lowercases and classifies each name once; bounded, since names come from the DC.
 */
const KINDS = new Map<string, Kind>();
const KINDS_LIMIT = CACHE_BOUNDS.adAttributeKinds;

function kindOf(name: string): Kind {
  let kind = KINDS.get(name);
  if (kind !== undefined) return kind;
  const lower = name.toLowerCase();
  if (IDENTITY_LOWER.has(lower)) kind = Kind.Skip;
  else if (lower === 'sidhistory') kind = Kind.SidHistory;
  else if (BINARY_LOWER.has(lower)) kind = Kind.Binary;
  else if (FILETIME_LOWER.has(lower)) kind = Kind.FileTime;
  else if (GENERALIZED_LOWER.has(lower)) kind = Kind.GeneralizedTime;
  else kind = Kind.Text;
  if (KINDS.size < KINDS_LIMIT) KINDS.set(name, kind);
  return kind;
}

function decodeValue(kind: Kind, value: string | Buffer, out: string[]): void {
  if (Buffer.isBuffer(value)) {
    out.push(kind === Kind.SidHistory ? sidFromBytes(value) : value.toString('base64'));
    return;
  }
  switch (kind) {
    case Kind.Binary:
    case Kind.SidHistory:
      out.push(Buffer.from(value, 'utf8').toString('base64'));
      return;
    case Kind.FileTime: {
      const iso = fileTimeToIso(value);
      if (iso !== undefined) out.push(iso);
      return;
    }
    case Kind.GeneralizedTime:
      out.push(generalizedTimeToIso(value));
      return;
    default:
      out.push(value);
  }
}

/** Decodes one attribute's values to text; FILETIME "never" values are dropped. */
export function decodeValues(name: string, values: readonly (string | Buffer)[]): string[] {
  const kind = kindOf(name);
  const out: string[] = [];
  for (const value of values) decodeValue(kind === Kind.Skip ? Kind.Text : kind, value, out);
  return out;
}

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
  // ldapts gives a single value bare and lists the requested attributes the entry lacks
  // as []: most keys of an entry are empty, and most values are one plain string.
  for (const name of Object.keys(entry)) {
    const value = entry[name] as EntryValue;
    const kind = kindOf(name);
    if (kind === Kind.Skip) continue;
    if (typeof value === 'string') {
      if (kind === Kind.Text) attributes[name] = [value];
      else {
        const decoded: string[] = [];
        decodeValue(kind, value, decoded);
        if (decoded.length > 0) attributes[name] = decoded;
      }
      continue;
    }
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) continue;
    const decoded: string[] = [];
    for (const item of values) decodeValue(kind, item, decoded);
    if (decoded.length > 0) attributes[name] = decoded;
  }
  const object: { -readonly [K in keyof AdObject]: AdObject[K] } = { dn: entry.dn, objectGuid, objectClass, objectClasses, attributes };
  if (sid && sid.length >= 8) object.objectSid = sidFromBytes(sid);
  if (consistency?.length === 16) object.consistencyGuid = guidFromBytes(consistency);
  else if (consistency && consistency.length > 0) attributes['mS-DS-ConsistencyGuid'] = [consistency.toString('base64')];
  return object;
}
