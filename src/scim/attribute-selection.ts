/**
 * The `attributes` and `excludedAttributes` query parameters (RFC 7644 §3.9), applied to a
 * resource by the `returned` characteristic of its schemas (RFC 7643 §2.4, §7):
 * "always" is always returned, "never" never, "request" only when named in `attributes`,
 * "default" unless excluded. Core attributes sit at the top of a resource, extension
 * attributes under the extension's URN (RFC 7643 §3.3).
 */
import { parseAttrPath } from './filter.ts';
import type { Returned, SchemaAttribute, SchemaDefinition } from './schema-types.ts';
import { scimErrors } from './scim-error.ts';

export interface AttributeSelection {
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
}

/** The schemas of one resource type: its core schema and its extensions. */
export interface ResourceSchemas {
  readonly core: SchemaDefinition;
  readonly extensions: readonly SchemaDefinition[];
}

/** RFC 7643 §3.1: the common attributes, defined by no schema. */
const COMMON_RETURNED: Readonly<Record<string, Returned>> = { schemas: 'always', id: 'always', externalid: 'default', meta: 'default' };

interface Selector {
  /** undefined: the core schema (or a common attribute). */
  readonly extension?: string;
  /** undefined: the whole extension. Lower-cased. */
  readonly attribute?: string;
  readonly subAttribute?: string;
}

/** Reads `attributes=a,b` style values (RFC 7644 §3.9: comma-separated). */
export function parseAttributeSelection(query: Readonly<Record<string, string | undefined>>): AttributeSelection {
  const split = (value: string | undefined) =>
    value === undefined ? undefined : value.split(',').map((part) => part.trim()).filter((part) => part !== '');
  const attributes = split(query.attributes);
  const excludedAttributes = split(query.excludedAttributes);
  if (attributes !== undefined && excludedAttributes !== undefined) {
    throw scimErrors.invalidValue('attributes and excludedAttributes cannot be used together');
  }
  return { ...(attributes === undefined ? {} : { attributes }), ...(excludedAttributes === undefined ? {} : { excludedAttributes }) };
}

function toSelector(path: string, schemas: ResourceSchemas): Selector | undefined {
  const lower = path.toLowerCase();
  const wholeExtension = schemas.extensions.find((extension) => extension.id.toLowerCase() === lower);
  if (wholeExtension) return { extension: wholeExtension.id };
  const parsed = parseAttrPath(path);
  const schema = parsed.schema?.toLowerCase();
  let extension: string | undefined;
  if (schema !== undefined && schema !== schemas.core.id.toLowerCase()) {
    extension = schemas.extensions.find((candidate) => candidate.id.toLowerCase() === schema)?.id;
    // A URN this resource type does not have selects nothing (RFC 7644 §3.9 is silent).
    if (extension === undefined) return undefined;
  }
  return {
    ...(extension === undefined ? {} : { extension }),
    attribute: parsed.attribute.toLowerCase(),
    ...(parsed.subAttribute === undefined ? {} : { subAttribute: parsed.subAttribute.toLowerCase() }),
  };
}

/**
 * `returned` by lower-cased attribute name, per list of definitions: built once per schema
 * (the first definition of a name wins, as a search of the list would find it), since
 * every resource of a listing asks it for each of its attributes.
 */
const RETURNED_BY_NAME = new WeakMap<readonly SchemaAttribute[], ReadonlyMap<string, Returned>>();

function returnedByName(definitions: readonly SchemaAttribute[]): ReadonlyMap<string, Returned> {
  let map = RETURNED_BY_NAME.get(definitions);
  if (!map) {
    const built = new Map<string, Returned>();
    for (const definition of definitions) {
      const lower = definition.name.toLowerCase();
      if (!built.has(lower)) built.set(lower, definition.returned);
    }
    RETURNED_BY_NAME.set(definitions, built);
    map = built;
  }
  return map;
}

function returnedOf(name: string, definitions: readonly SchemaAttribute[] | undefined): Returned {
  const lower = name.toLowerCase();
  if (definitions === undefined) return COMMON_RETURNED[lower] ?? 'default';
  return returnedByName(definitions).get(lower) ?? COMMON_RETURNED[lower] ?? 'default';
}

type Json = Record<string, unknown>;

/** Returns a copy of `resource` holding what the selection asks for. */
export function selectAttributes<T extends object>(resource: T, schemas: ResourceSchemas, selection: AttributeSelection): Json {
  const requested = selection.attributes?.map((path) => toSelector(path, schemas)).filter((s): s is Selector => s !== undefined);
  const excluded = selection.excludedAttributes?.map((path) => toSelector(path, schemas)).filter((s): s is Selector => s !== undefined);
  const source = resource as Json;
  const result: Json = {};
  for (const [key, value] of Object.entries(source)) {
    const extension = schemas.extensions.find((candidate) => candidate.id === key);
    if (extension) {
      const part = selectLevel(value as Json, extension.attributes, requested, excluded, extension.id);
      if (Object.keys(part).length > 0) result[key] = part;
      continue;
    }
    const kept = selectAttribute(key, value, schemas.core.attributes, requested, excluded, undefined);
    if (kept !== undefined) result[key] = kept;
  }
  // RFC 7643 §3: `schemas` names the extensions present; drop those no longer present.
  if (Array.isArray(result.schemas)) {
    result.schemas = (result.schemas as string[]).filter(
      (urn) => !schemas.extensions.some((extension) => extension.id === urn) || urn in result,
    );
  }
  return result;
}

function selectLevel(object: Json, definitions: readonly SchemaAttribute[], requested: readonly Selector[] | undefined, excluded: readonly Selector[] | undefined, extension: string): Json {
  const wholeRequested = requested?.some((s) => s.extension === extension && s.attribute === undefined) ?? false;
  const wholeExcluded = excluded?.some((s) => s.extension === extension && s.attribute === undefined) ?? false;
  const out: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const returned = returnedOf(key, definitions);
    if (returned === 'never') continue;
    if (wholeRequested || (wholeExcluded && returned === 'always')) {
      out[key] = value;
      continue;
    }
    if (wholeExcluded) continue;
    const kept = selectAttribute(key, value, definitions, requested, excluded, extension);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

function selectAttribute(key: string, value: unknown, definitions: readonly SchemaAttribute[] | undefined, requested: readonly Selector[] | undefined, excluded: readonly Selector[] | undefined, extension: string | undefined): unknown {
  const common = extension === undefined && key.toLowerCase() in COMMON_RETURNED;
  const returned = returnedOf(key, common ? undefined : definitions);
  if (returned === 'never') return undefined;
  if (returned === 'always') return value;
  const lower = key.toLowerCase();
  const matches = (list: readonly Selector[] | undefined) => list?.filter((s) => s.extension === extension && s.attribute === lower) ?? [];
  if (requested !== undefined) {
    const hits = matches(requested);
    if (hits.length === 0) return undefined;
    if (hits.some((hit) => hit.subAttribute === undefined)) return value;
    return pickSubAttributes(value, new Set(hits.map((hit) => hit.subAttribute as string)), true);
  }
  if (returned === 'request') return undefined;
  const hits = matches(excluded);
  if (hits.length === 0) return value;
  if (hits.some((hit) => hit.subAttribute === undefined)) return undefined;
  return pickSubAttributes(value, new Set(hits.map((hit) => hit.subAttribute as string)), false);
}

/** Keeps (keep=true) or drops (keep=false) the named sub-attributes of a complex value. */
function pickSubAttributes(value: unknown, names: ReadonlySet<string>, keep: boolean): unknown {
  const pick = (item: unknown) => {
    if (item === null || typeof item !== 'object') return item;
    return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name.toLowerCase()) === keep));
  };
  return Array.isArray(value) ? value.map(pick) : pick(value);
}
