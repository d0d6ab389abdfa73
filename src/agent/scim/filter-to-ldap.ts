/**
 * SCIM filter (RFC 7644 §3.4.2.2) to LDAP filter (RFC 4515) over the AD attribute each
 * SCIM attribute maps to (filter-map.ts). Every value is escaped; GUIDs are compared as
 * bytes; `active` reads the ACCOUNTDISABLE bit with LDAP_MATCHING_RULE_BIT_AND.
 */
import { guidFromBase64, isGuid } from '../../ad/decode.ts';
import { parseAttrPath, type CompValue, type CompareOperator, type Filter } from '../../scim/filter.ts';
import { scimErrors } from '../../scim/scim-error.ts';
import { CONSISTENCY_GUID, type FilterMapping } from './filter-map.ts';
import { BIT_AND, NOTHING, and, escapeGuid, escapeValue, isoToGeneralizedTime, not, or } from './ldap-filter-text.ts';

export interface FilterTarget {
  /** The core schema URN of the resource type; a path may be qualified with it. */
  readonly coreSchema: string;
  readonly map: ReadonlyMap<string, FilterMapping>;
}

export function filterToLdap(filter: Filter, target: FilterTarget, prefix = ''): string {
  switch (filter.op) {
    case 'and':
      return and(filter.filters.map((f) => filterToLdap(f, target, prefix)));
    case 'or':
      return or(filter.filters.map((f) => filterToLdap(f, target, prefix)));
    case 'not':
      return not(filterToLdap(filter.filter, target, prefix));
    case '[]': {
      // emails[value co "x"]: the inner paths are sub-attributes of the outer one.
      if (prefix !== '') throw scimErrors.invalidFilter('value paths cannot nest (RFC 7644 §3.4.2.2)');
      return filterToLdap(filter.valFilter, target, `${filter.attrPath}.`);
    }
    case 'pr':
      return present(lookup(prefix + filter.attrPath, target));
    default:
      return compare(lookup(prefix + filter.attrPath, target), filter.op, filter.compValue, prefix + filter.attrPath);
  }
}

function lookup(path: string, target: FilterTarget): FilterMapping {
  let key: string;
  try {
    const parsed = parseAttrPath(path);
    const schema = parsed.schema?.toLowerCase();
    const qualifier = schema === undefined || schema === target.coreSchema.toLowerCase() ? '' : `${schema}:`;
    key = `${qualifier}${parsed.attribute}${parsed.subAttribute === undefined ? '' : `.${parsed.subAttribute}`}`.toLowerCase();
  } catch {
    throw scimErrors.invalidFilter(`"${path}" is not a valid attribute path`);
  }
  const mapping = target.map.get(key);
  if (!mapping) throw scimErrors.invalidFilter(`attribute "${path}" is unknown or cannot be filtered on`);
  return mapping;
}

function present(mapping: FilterMapping): string {
  switch (mapping.kind) {
    case 'string':
      return or(mapping.ldap.map((name) => `(${name}=*)`));
    case 'anchor':
    case 'anchorBase64':
      return '(objectGUID=*)';
    default:
      return `(${mapping.ldap}=*)`;
  }
}

function compare(mapping: FilterMapping, op: CompareOperator, value: CompValue, path: string): string {
  // RFC 7644 §3.4.2.2 leaves `eq null` open; we read it as "has no value".
  if (value === null) {
    if (op === 'eq') return not(present(mapping));
    if (op === 'ne') return present(mapping);
    throw scimErrors.invalidFilter(`"${path} ${op} null" is not a valid comparison`);
  }
  if (op === 'ne') return not(compare(mapping, 'eq', value, path));
  switch (mapping.kind) {
    case 'string':
      return coalesce(mapping.ldap, (name) => compareText(name, op, expectString(value, path)));
    case 'guid':
      return compareEquality(op, path, () => `(${mapping.ldap}=${escapeGuid(expectGuid(value, path))})`);
    case 'anchor':
      return compareEquality(op, path, () => anchorEquals(expectGuid(value, path)));
    case 'anchorBase64':
      return compareEquality(op, path, () => anchorEquals(guidFromAnchor(expectString(value, path), path)));
    case 'flag': {
      if (typeof value !== 'boolean') throw scimErrors.invalidFilter(`"${path}" compares with true or false`);
      return compareEquality(op, path, () => {
        const bitSet = `(${mapping.ldap}:${BIT_AND}:=${mapping.bit})`;
        return value === mapping.whenSet ? bitSet : not(bitSet);
      });
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw scimErrors.invalidFilter(`"${path}" compares with an integer`);
      return compareOrdered(mapping.ldap, op, String(value), path);
    }
    case 'time': {
      const time = isoToGeneralizedTime(expectString(value, path));
      if (time === undefined) throw scimErrors.invalidFilter(`"${path}" compares with an xsd:dateTime`);
      return compareOrdered(mapping.ldap, op, time, path);
    }
    case 'sid': {
      const sid = expectString(value, path);
      if (!/^S-1-\d+(-\d+)+$/i.test(sid)) throw scimErrors.invalidFilter(`"${path}" compares with a SID (S-1-…)`);
      // AD accepts the string form of a SID in an objectSid assertion (MS-ADTS 3.1.1.3.1.2.4).
      return compareEquality(op, path, () => `(${mapping.ldap}=${escapeValue(sid.toUpperCase())})`);
    }
    case 'dn':
      return compareEquality(op, path, () => `(${mapping.ldap}=${escapeValue(expectString(value, path))})`);
  }
}

/** "The first of these attributes that is set" compared: a1 matches, or a1 unset and a2 matches, … */
function coalesce(names: readonly string[], test: (name: string) => string): string {
  return or(names.map((name, index) => and([...names.slice(0, index).map((earlier) => not(`(${earlier}=*)`)), test(name)])));
}

function compareText(name: string, op: Exclude<CompareOperator, 'ne'>, value: string): string {
  const v = escapeValue(value);
  switch (op) {
    case 'eq':
      // AD stores no empty values, so nothing equals "".
      return value === '' ? NOTHING : `(${name}=${v})`;
    case 'co':
      return value === '' ? `(${name}=*)` : `(${name}=*${v}*)`;
    case 'sw':
      return value === '' ? `(${name}=*)` : `(${name}=${v}*)`;
    case 'ew':
      return value === '' ? `(${name}=*)` : `(${name}=*${v})`;
    default:
      return ordered(name, op, v);
  }
}

function compareOrdered(name: string, op: Exclude<CompareOperator, 'ne'>, escaped: string, path: string): string {
  if (op === 'co' || op === 'sw' || op === 'ew') throw scimErrors.invalidFilter(`"${op}" does not apply to "${path}"`);
  return op === 'eq' ? `(${name}=${escaped})` : ordered(name, op, escaped);
}

/** LDAP has only >= and <= (RFC 4515 §3); strict comparisons exclude equality. */
function ordered(name: string, op: 'gt' | 'ge' | 'lt' | 'le', escaped: string): string {
  switch (op) {
    case 'ge':
      return `(${name}>=${escaped})`;
    case 'le':
      return `(${name}<=${escaped})`;
    case 'gt':
      return and([`(${name}>=${escaped})`, not(`(${name}=${escaped})`)]);
    case 'lt':
      return and([`(${name}<=${escaped})`, not(`(${name}=${escaped})`)]);
  }
}

function compareEquality(op: Exclude<CompareOperator, 'ne'>, path: string, equals: () => string): string {
  if (op !== 'eq') throw scimErrors.invalidFilter(`"${path}" supports only eq, ne and pr`);
  return equals();
}

function anchorEquals(guid: string): string {
  const bytes = escapeGuid(guid);
  return or([`(${CONSISTENCY_GUID}=${bytes})`, and([not(`(${CONSISTENCY_GUID}=*)`), `(objectGUID=${bytes})`])]);
}

function guidFromAnchor(base64: string, path: string): string {
  if (!/^[A-Za-z0-9+/]{22}==$/.test(base64)) throw scimErrors.invalidFilter(`"${path}" compares with the base64 of 16 bytes`);
  return guidFromBase64(base64);
}

function expectString(value: CompValue, path: string): string {
  if (typeof value !== 'string') throw scimErrors.invalidFilter(`"${path}" compares with a string`);
  return value;
}

function expectGuid(value: CompValue, path: string): string {
  if (typeof value !== 'string' || !isGuid(value)) throw scimErrors.invalidFilter(`"${path}" compares with a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
  return value.toLowerCase();
}
