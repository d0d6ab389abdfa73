/**
 * Distinguished-name comparison for scoping. ldapts builds DNs but does not parse them,
 * so this splits an RFC 4514 string into RDNs, honouring backslash escapes, and compares
 * them the way AD does: attribute types and values case-insensitively, spaces around
 * separators ignored. Hex escapes of printable ASCII are unescaped so that `\2C` and `\,`
 * compare equal.
 */

function unescapeValue(value: string): string {
  // `\XX` pairs are UTF-8 bytes (RFC 4514 section 3); collect runs so multi-byte
  // characters decode whole, then re-escape the specials uniformly as `\c`.
  const decoded = value.replace(/(?:\\[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/\\/g, ''), 'hex').toString('utf8'));
  return decoded.replace(/\\(.)/g, '$1');
}

/** Splits on unescaped `sep`. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === '\\' && i + 1 < text.length) {
      current += char + (text[i + 1] as string);
      i += 1;
    } else if (char === sep) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** The RDNs of a DN, each normalised to `type=value` in lower case, most specific first. */
export function normalizedRdns(dn: string): string[] {
  if (dn.trim() === '') return [];
  return splitUnescaped(dn, ',').map((rdn) =>
    splitUnescaped(rdn, '+')
      .map((ava) => {
        const eq = ava.indexOf('=');
        if (eq < 0) throw new TypeError(`not a distinguished name: ${JSON.stringify(dn)}`);
        const type = ava.slice(0, eq).trim().toLowerCase();
        const value = unescapeValue(ava.slice(eq + 1).trim()).toLowerCase();
        return `${type}=${value}`;
      })
      .sort()
      .join('+'),
  );
}

/** A canonical form for equality and map keys. */
export function normalizeDn(dn: string): string {
  return normalizedRdns(dn).join(',');
}

export function dnEquals(a: string, b: string): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

/** true when `dn` is `base` or lies below it. */
export function isDnUnder(dn: string, base: string): boolean {
  const child = normalizedRdns(dn);
  const parent = normalizedRdns(base);
  if (parent.length > child.length) return false;
  const offset = child.length - parent.length;
  return parent.every((rdn, i) => child[offset + i] === rdn);
}

/** The parent DN (without the first RDN), as written. */
export function parentDn(dn: string): string {
  const parts = splitUnescaped(dn, ',');
  return parts.slice(1).join(',').trim();
}

/** A set of scoping DNs, with the subtree test and the exclusions the reader applies. */
export class DnScope {
  private readonly scopes: string[][];
  private readonly excluded: Set<string>;

  constructor(scopeDns: readonly string[], excludeDns: readonly string[] = []) {
    this.scopes = scopeDns.map(normalizedRdns);
    this.excluded = new Set(excludeDns.map(normalizeDn));
  }

  /** Under one of the scoping DNs (the scoping OU itself included). */
  contains(dn: string): boolean {
    const child = normalizedRdns(dn);
    return this.scopes.some((parent) => {
      if (parent.length > child.length) return false;
      const offset = child.length - parent.length;
      return parent.every((rdn, i) => child[offset + i] === rdn);
    });
  }

  isExcluded(dn: string): boolean {
    return this.excluded.has(normalizeDn(dn));
  }
}
