/**
 * LDAP search filters as strings (RFC 4515), built so that no value can change a filter's
 * structure, and turned into ldapts Filter objects without losing non-ASCII values.
 */
import {
  AndFilter, ApproximateFilter, EqualityFilter, ExtensibleFilter, type Filter, FilterParser, GreaterThanEqualsFilter,
  LessThanEqualsFilter, NotFilter, OrFilter, SubstringFilter,
} from 'ldapts';
import { CanopyError } from '../core/errors.ts';
import type { AdObjectClass } from '../core/ad-object.ts';
import { guidToBytes } from './decode.ts';

/**
 * Escapes an assertion value (RFC 4515 section 3): the characters the grammar reserves,
 * NUL, '(', ')', '*' and '\', become `\XX`. Everything else, non-ASCII included, stays
 * as its UTF-8 characters, which the grammar allows (UTF1SUBSET / UTFMB).
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\0()*\\]/g, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** RFC 4512 attribute description: a descriptor or numeric OID, then options. */
const ATTRIBUTE_DESCRIPTION = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;

function attribute(name: string): string {
  if (!ATTRIBUTE_DESCRIPTION.test(name)) throw new TypeError(`not an LDAP attribute description: ${JSON.stringify(name)}`);
  return name;
}

/** `(attr=value)`, the value escaped. */
export function eq(name: string, value: string): string {
  return `(${attribute(name)}=${escapeFilterValue(value)})`;
}

/** `(attr>=value)` */
export function ge(name: string, value: string): string {
  return `(${attribute(name)}>=${escapeFilterValue(value)})`;
}

/** `(attr<=value)` */
export function le(name: string, value: string): string {
  return `(${attribute(name)}<=${escapeFilterValue(value)})`;
}

/** `(attr=*)` */
export function presence(name: string): string {
  return `(${attribute(name)}=*)`;
}

/** `(attr=initial*any*…*final)`, each part escaped; an empty part is left out. */
export function substring(name: string, parts: { initial?: string; any?: readonly string[]; final?: string }): string {
  const any = (parts.any ?? []).filter((part) => part !== '').map(escapeFilterValue);
  const initial = escapeFilterValue(parts.initial ?? '');
  const final = escapeFilterValue(parts.final ?? '');
  if (!initial && !final && any.length === 0) return presence(name);
  return `(${attribute(name)}=${[initial, ...any, final].join('*')})`;
}

function assertFilters(filters: readonly string[]): void {
  for (const filter of filters) {
    if (!filter.startsWith('(') || !filter.endsWith(')')) throw new TypeError(`not a parenthesised filter: ${JSON.stringify(filter)}`);
  }
}

/** `(&f1f2…)`; one operand is returned as it is. */
export function and(...filters: string[]): string {
  assertFilters(filters);
  return filters.length === 1 ? (filters[0] as string) : `(&${filters.join('')})`;
}

/** `(|f1f2…)`; one operand is returned as it is. */
export function or(...filters: string[]): string {
  assertFilters(filters);
  return filters.length === 1 ? (filters[0] as string) : `(|${filters.join('')})`;
}

/** `(!f)` */
export function not(filter: string): string {
  assertFilters([filter]);
  return `(!${filter})`;
}

/**
 * The filter for one object class. Tombstones lose objectCategory, so only objectClass
 * is used; computers and inetOrgPersons are objectClass=user too.
 */
export function classFilter(objectClass: AdObjectClass): string {
  switch (objectClass) {
    case 'user':
      return and(eq('objectClass', 'user'), not(eq('objectClass', 'computer')));
    case 'computer':
      return eq('objectClass', 'computer');
    case 'group':
      return eq('objectClass', 'group');
    case 'organizationalUnit':
      return eq('objectClass', 'organizationalUnit');
    case 'contact':
      return eq('objectClass', 'contact');
  }
}

export function classesFilter(classes: readonly AdObjectClass[]): string {
  if (classes.length === 0) throw new TypeError('classes: at least one object class is needed');
  return or(...classes.map(classFilter));
}

/**
 * Parses an RFC 4515 filter string into an ldapts Filter whose values go out as the
 * exact bytes the string denotes.
 *
 * ldapts turns each `\XX` escape into the UTF-16 code unit XX and later writes values as
 * UTF-8, which corrupts every escaped byte above 0x7F: `\c3\a9` would go out as four
 * bytes rather than 'é', and an escaped objectGUID would not match. So literal non-ASCII
 * characters are first written as their escaped UTF-8 bytes, making every parsed value a
 * string of one code unit per byte; then each value is turned back into bytes: equality
 * assertions carry them as a Buffer (binary GUIDs work), the other kinds, which ldapts
 * only writes as text, decode them as UTF-8 and refuse bytes that are not.
 */
export function parseFilter(filter: string): Filter {
  const ascii = filter.replace(/[\u0080-\u{10ffff}]+/gu, (run) => [...Buffer.from(run, 'utf8')].map((b) => `\\${b.toString(16)}`).join(''));
  let parsed: Filter;
  try {
    parsed = FilterParser.parseString(ascii);
  } catch (cause) {
    throw new CanopyError('ERR_AD_FILTER_INVALID', `not a valid LDAP filter (RFC 4515): ${JSON.stringify(filter)}`, { cause });
  }
  restoreBytes(parsed, filter);
  return parsed;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function textFromBytes(value: string, filter: string): string {
  const bytes = Buffer.from(value, 'latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    throw new CanopyError('ERR_AD_FILTER_INVALID', `the filter ${JSON.stringify(filter)} holds a binary value where only an equality match can carry one`);
  }
}

function restoreBytes(node: Filter, filter: string): void {
  if (node instanceof AndFilter || node instanceof OrFilter) {
    for (const child of node.filters) restoreBytes(child, filter);
  } else if (node instanceof NotFilter) {
    restoreBytes(node.filter, filter);
  } else if (node instanceof EqualityFilter) {
    if (typeof node.value === 'string') node.value = Buffer.from(node.value, 'latin1');
  } else if (node instanceof SubstringFilter) {
    node.initial = textFromBytes(node.initial, filter);
    node.any = node.any.map((part) => textFromBytes(part, filter));
    node.final = textFromBytes(node.final, filter);
  } else if (node instanceof GreaterThanEqualsFilter || node instanceof LessThanEqualsFilter || node instanceof ApproximateFilter || node instanceof ExtensibleFilter) {
    node.value = textFromBytes(node.value, filter);
  }
}

/** `(|(objectGUID=…)…)` with the GUIDs as raw bytes, for batched reads by GUID. */
export function guidsFilter(guids: readonly string[]): Filter {
  if (guids.length === 0) throw new TypeError('guidsFilter: at least one GUID is needed');
  const filters = guids.map((guid) => new EqualityFilter({ attribute: 'objectGUID', value: guidToBytes(guid) }));
  return filters.length === 1 ? (filters[0] as Filter) : new OrFilter({ filters });
}
