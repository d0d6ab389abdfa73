/**
 * Distinguished names compared the way AD compares them: parsed per RFC 4514 (escapes
 * `\,` and `\2C` alike, `#hex` values, multi-valued RDNs joined by `+`), attribute types
 * and values case-insensitive (AD's DN syntax, MS-ADTS 3.1.1.5.1.2), insignificant spaces
 * around separators ignored. Scoping and reference resolution both key on the normalized
 * form, so `OU=Sales,DC=Corp` and `ou=sales, dc=corp` are one container.
 */

/** One RDN: its attribute/value pairs in canonical form, sorted (RFC 4514 §2.2 order is not significant). */
export type NormalizedRdn = string;

const HEX_PAIR = /^[0-9a-fA-F]{2}$/;

/** Splits a DN string into RDN strings, honouring backslash escapes and quoted values. */
function splitUnescaped(input: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '\\' && i + 1 < input.length) {
      current += ch + input[i + 1]!;
      i++;
    } else if (separators.includes(ch)) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** RFC 4514 §3: `\XX` hex pairs are UTF-8 bytes, `\c` is the character itself. */
function unescapeValue(raw: string): string {
  const value = raw.trim();
  if (value.startsWith('#')) return value.toLowerCase(); // BER-encoded value: compare as hex text
  if (!value.includes('\\')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      const pair = value.slice(i + 1, i + 3);
      if (HEX_PAIR.test(pair)) {
        bytes.push(Number.parseInt(pair, 16));
        i += 2;
        continue;
      }
      bytes.push(...Buffer.from(value[i + 1]!, 'utf8'));
      i++;
      continue;
    }
    bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The value of the leaf RDN's first attribute, unescaped, case kept (`CN=Smith\\, Ann,OU=x` → `Smith, Ann`). */
export function leafRdnValue(dn: string): string | undefined {
  const leaf = splitUnescaped(dn, ',;')[0];
  if (leaf === undefined) return undefined;
  const ava = splitUnescaped(leaf, '+')[0] ?? '';
  const eq = ava.indexOf('=');
  return eq < 0 ? undefined : unescapeValue(ava.slice(eq + 1));
}

function normalizeRdn(rdn: string): NormalizedRdn {
  const pairs = splitUnescaped(rdn, '+').map((ava) => {
    const eq = ava.indexOf('=');
    if (eq < 0) return ava.trim().toLowerCase();
    const type = ava.slice(0, eq).trim().toLowerCase();
    return `${type}=${unescapeValue(ava.slice(eq + 1)).toLowerCase()}`;
  });
  return pairs.sort().join('+');
}

/** The RDNs of a DN, leaf first, each normalized. An empty DN has no RDNs. */
export function parseDn(dn: string): NormalizedRdn[] {
  if (dn.trim() === '') return [];
  return splitUnescaped(dn, ',;').map(normalizeRdn);
}

/** A canonical string for a DN: equal for every spelling AD treats as the same name. */
export function normalizeDn(dn: string): string {
  return parseDn(dn).join(',');
}

/** True when `dn` is `container` or lies anywhere below it. */
export function isDnWithin(dn: string, container: string): boolean {
  const inner = parseDn(dn);
  const outer = parseDn(container);
  if (outer.length === 0 || outer.length > inner.length) return false;
  const offset = inner.length - outer.length;
  return outer.every((rdn, i) => inner[offset + i] === rdn);
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
