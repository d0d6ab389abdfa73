/**
 * Distinguished names, compared the way AD compares them: parsed per RFC 4514 (escapes
 * `\,` and `\2C` alike, `#hex` values, multi-valued RDNs joined by `+`; `;` accepted as a
 * separator as RFC 2253 parsers do), attribute types and values case-insensitive (AD's DN
 * syntax, MS-ADTS 3.1.1.5.1.2), insignificant spaces around separators ignored. The AD
 * reader's scoping, the agent's member resolution and the engine's scoping and reference
 * resolution all key on this one normalized form, so `OU=Sales,DC=Corp` and
 * `ou=sales, dc=corp` are one container everywhere.
 *
 * Parsing is cached: a sync names the same DNs many times (scope checks, member lists,
 * managers, moves), thousands per second, and the parse is pure.
 */

import { CACHE_BOUNDS } from './cache-bounds.ts';

/** One RDN: its attribute/value pairs in canonical form, sorted (RFC 4514 §2.2 order is not significant). */
export type NormalizedRdn = string;

const HEX_PAIR = /^[0-9a-fA-F]{2}$/;

/** Splits a DN string on unescaped separators, honouring backslash escapes. */
function splitUnescaped(input: string, separators: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '\\') i++;
    else if (separators.includes(ch)) {
      parts.push(input.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(input.slice(start));
  return parts;
}

/** Trims insignificant spaces: leading ones, and trailing ones that are not escaped (`\ `). */
function trimValue(raw: string): string {
  const value = raw.trimStart();
  let end = value.length;
  while (end > 0 && value[end - 1] === ' ') {
    let slashes = 0;
    for (let i = end - 2; i >= 0 && value[i] === '\\'; i--) slashes++;
    if (slashes % 2 === 1) break; // an escaped space is part of the value
    end--;
  }
  return value.slice(0, end);
}

/** RFC 4514 §3: `\XX` hex pairs are UTF-8 bytes (decoded run by run), `\c` is the character itself. */
function unescapeValue(raw: string): string {
  const value = trimValue(raw);
  if (value.startsWith('#')) return value.toLowerCase(); // BER-encoded value: compare as hex text
  if (!value.includes('\\')) return value;
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      const pair = value.slice(i + 1, i + 3);
      if (HEX_PAIR.test(pair)) {
        bytes.push(Number.parseInt(pair, 16));
        i += 2;
        continue;
      }
      flush();
      out += value[i + 1]!;
      i++;
      continue;
    }
    flush();
    out += ch;
  }
  flush();
  return out;
}

interface Parsed {
  readonly rdns: readonly NormalizedRdn[];
  readonly normalized: string;
  /** false when an attribute/value pair has no `=`: not a DN (strict callers refuse it). */
  readonly valid: boolean;
}

function parseUncached(dn: string): Parsed {
  if (dn.trim() === '') return { rdns: [], normalized: '', valid: true };
  let valid = true;
  const rdns = splitUnescaped(dn, ',;').map((rdn) => {
    const pairs = splitUnescaped(rdn, '+').map((ava) => {
      const eq = ava.indexOf('=');
      if (eq < 0) {
        valid = false;
        return ava.trim().toLowerCase();
      }
      return `${ava.slice(0, eq).trim().toLowerCase()}=${unescapeValue(ava.slice(eq + 1)).toLowerCase()}`;
    });
    return pairs.length === 1 ? pairs[0]! : pairs.sort().join('+');
  });
  return Object.freeze({ rdns: Object.freeze(rdns), normalized: rdns.join(','), valid });
}

/**
 * Two generations of at most CACHE_SIZE entries each: when the young one is full it becomes
 * the old one, so memory stays bounded and DNs in use stay cached.
 */
const CACHE_SIZE = CACHE_BOUNDS.parsedDns;
let young = new Map<string, Parsed>();
let old = new Map<string, Parsed>();

function parse(dn: string): Parsed {
  let parsed = young.get(dn);
  if (parsed) return parsed;
  parsed = old.get(dn) ?? parseUncached(dn);
  if (young.size >= CACHE_SIZE) {
    old = young;
    young = new Map();
  }
  young.set(dn, parsed);
  return parsed;
}

/** The RDNs of a DN, leaf first, each normalized. An empty DN has no RDNs. */
export function parseDn(dn: string): readonly NormalizedRdn[] {
  return parse(dn).rdns;
}

/** As parseDn, but a string that is not a DN (an RDN without `=`) is a TypeError. */
export function normalizedRdns(dn: string): readonly NormalizedRdn[] {
  const parsed = parse(dn);
  if (!parsed.valid) throw new TypeError(`not a distinguished name: ${JSON.stringify(dn)}`);
  return parsed.rdns;
}

/** A canonical string for a DN: equal for every spelling AD treats as the same name. */
export function normalizeDn(dn: string): string {
  return parse(dn).normalized;
}

export function dnEquals(a: string, b: string): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

function within(inner: readonly NormalizedRdn[], outer: readonly NormalizedRdn[]): boolean {
  if (outer.length > inner.length) return false;
  const offset = inner.length - outer.length;
  for (let i = 0; i < outer.length; i++) if (inner[offset + i] !== outer[i]) return false;
  return true;
}

/** True when `dn` is `container` or lies anywhere below it (an empty container holds nothing). */
export function isDnWithin(dn: string, container: string): boolean {
  const outer = parseDn(container);
  return outer.length > 0 && within(parseDn(dn), outer);
}

/** true when `dn` is `base` or lies below it (strict: both must be DNs). */
export function isDnUnder(dn: string, base: string): boolean {
  return within(normalizedRdns(dn), normalizedRdns(base));
}

/** The parent DN (without the first RDN), as written. */
export function parentDn(dn: string): string {
  return splitUnescaped(dn, ',').slice(1).join(',').trim();
}

/** The value of the leaf RDN's first attribute, unescaped, case kept (`CN=Smith\\, Ann,OU=x` → `Smith, Ann`). */
export function leafRdnValue(dn: string): string | undefined {
  const leaf = splitUnescaped(dn, ',;')[0];
  if (leaf === undefined) return undefined;
  const ava = splitUnescaped(leaf, '+')[0] ?? '';
  const eq = ava.indexOf('=');
  return eq < 0 ? undefined : unescapeValue(ava.slice(eq + 1));
}

/** The DNS name of the domain a DN lives in, from its DC= components (`DC=corp,DC=example` → corp.example). */
export function dnsDomainOfDn(dn: string): string | undefined {
  const labels = parseDn(dn)
    .filter((rdn) => rdn.startsWith('dc='))
    .map((rdn) => rdn.slice(3));
  return labels.length > 0 ? labels.join('.') : undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/**
 * The key a reference (a member, a manager) is resolved and kept pending by: AD names the
 * target by DN, the agent's SCIM service by objectGUID. A DN always holds `=`, a GUID never.
 */
export function referenceKey(value: string): string {
  return isGuid(value) ? value.toLowerCase() : normalizeDn(value);
}

/** A set of scoping DNs, with the subtree test and the exclusions the AD reader applies. */
export class DnScope {
  private readonly scopes: readonly (readonly NormalizedRdn[])[];
  private readonly excluded: Set<string>;

  constructor(scopeDns: readonly string[], excludeDns: readonly string[] = []) {
    this.scopes = scopeDns.map(normalizedRdns);
    this.excluded = new Set(excludeDns.map(normalizeDn));
  }

  /** Under one of the scoping DNs (the scoping OU itself included). */
  contains(dn: string): boolean {
    const child = normalizedRdns(dn);
    return this.scopes.some((parent) => within(child, parent));
  }

  isExcluded(dn: string): boolean {
    return this.excluded.has(normalizeDn(dn));
  }
}
