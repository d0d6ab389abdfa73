/**
 * Checks a resource against the schema documents served at /Schemas and /ResourceTypes
 * (RFC 7643 §2–§7): `schemas` lists the core schema and every extension present, required
 * extensions are present, common attributes have their shapes (§3.1: id is a non-empty
 * string returned always, meta.resourceType names the type), required attributes are
 * present, every value has its declared type and plurality, "never" attributes are absent,
 * and nothing undeclared appears. Used by tests and by anyone who points a SCIM tool here.
 */
import { commonAttributes } from './common-attributes.ts';
import type { ResourceType } from './discovery.ts';
import type { SchemaAttribute, SchemaDefinition } from './schema-types.ts';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function validateResource(resource: unknown, type: ResourceType, schemas: readonly SchemaDefinition[]): string[] {
  const problems: string[] = [];
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) return ['resource is not a JSON object'];
  const body = resource as Record<string, unknown>;
  const listed = Array.isArray(body.schemas) ? (body.schemas as unknown[]) : [];
  if (!Array.isArray(body.schemas) || listed.some((urn) => typeof urn !== 'string')) problems.push('schemas must be an array of URIs');
  if (!listed.includes(type.schema)) problems.push(`schemas must list ${type.schema}`);
  // RFC 7643 §3.1: id is returned always, a non-empty string, never "bulkId"; meta and
  // externalId have the shapes of their definitions.
  const common = Object.fromEntries(Object.entries(body).filter(([key]) => ['id', 'externalId', 'meta'].includes(key)));
  checkObject(common, commonAttributes, '', problems);
  if (body.id === '' || body.id === 'bulkId') problems.push('id must be a non-empty string other than "bulkId"');
  if ('meta' in body) checkMeta(body.meta, type, problems);

  const core = schemas.find((schema) => schema.id === type.schema);
  if (!core) return [...problems, `no schema ${type.schema}`];
  const extensionIds = new Set(type.schemaExtensions.map((extension) => extension.schema));
  for (const extension of type.schemaExtensions) {
    if (extension.required && !(extension.schema in body)) problems.push(`required extension ${extension.schema} is missing`);
  }
  for (const [key, value] of Object.entries(body)) {
    if (['schemas', 'id', 'externalId', 'meta'].includes(key)) continue;
    if (extensionIds.has(key)) {
      if (!listed.includes(key)) problems.push(`extension ${key} is present but not listed in schemas`);
      const schema = schemas.find((candidate) => candidate.id === key);
      if (!schema) problems.push(`no schema ${key}`);
      else checkObject(value, schema.attributes, key, problems);
      continue;
    }
    if (key.startsWith('urn:')) {
      problems.push(`${key} is not an extension of ${type.name}`);
      continue;
    }
  }
  checkObject(Object.fromEntries(Object.entries(body).filter(([key]) => !['schemas', 'id', 'externalId', 'meta'].includes(key) && !key.startsWith('urn:'))), core.attributes, '', problems);
  return problems;
}

function checkMeta(meta: unknown, type: ResourceType, problems: string[]): void {
  if (meta === null || typeof meta !== 'object') {
    problems.push('meta must be a complex value');
    return;
  }
  const m = meta as Record<string, unknown>;
  if (m.resourceType !== type.name) problems.push(`meta.resourceType must be "${type.name}"`);
}

function checkObject(value: unknown, attributes: readonly SchemaAttribute[], at: string, problems: string[]): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${at || 'resource'} must be a complex value`);
    return;
  }
  const object = value as Record<string, unknown>;
  const prefix = at === '' ? '' : `${at}:`;
  for (const definition of attributes) {
    const present = Object.keys(object).find((key) => key.toLowerCase() === definition.name.toLowerCase());
    if (definition.required && present === undefined) problems.push(`${prefix}${definition.name} is required`);
  }
  for (const [key, item] of Object.entries(object)) {
    const definition = attributes.find((candidate) => candidate.name.toLowerCase() === key.toLowerCase());
    if (!definition) {
      problems.push(`${prefix}${key} is not defined by the schema`);
      continue;
    }
    if (definition.returned === 'never') problems.push(`${prefix}${key} is returned "never"`);
    checkValue(item, definition, `${prefix}${key}`, problems);
  }
}

function checkValue(value: unknown, definition: SchemaAttribute, at: string, problems: string[]): void {
  if (definition.multiValued) {
    if (!Array.isArray(value)) {
      problems.push(`${at} must be an array (multiValued)`);
      return;
    }
    value.forEach((item, index) => checkSingle(item, definition, `${at}[${index}]`, problems));
    return;
  }
  if (Array.isArray(value)) {
    problems.push(`${at} must be a single value`);
    return;
  }
  checkSingle(value, definition, at, problems);
}

function checkSingle(value: unknown, definition: SchemaAttribute, at: string, problems: string[]): void {
  // RFC 7643 §2.5: unassigned attributes are omitted; null is equivalent but we flag it
  // because this service never sends one.
  if (value === null || value === undefined) {
    problems.push(`${at} is null`);
    return;
  }
  const wrong = () => problems.push(`${at} must be of type ${definition.type}`);
  switch (definition.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value !== 'string') wrong();
      else if (definition.canonicalValues && definition.name === 'type' && !definition.canonicalValues.includes(value)) {
        problems.push(`${at} "${value}" is not one of ${definition.canonicalValues.join(', ')}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong();
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) wrong();
      return;
    case 'decimal':
      if (typeof value !== 'number') wrong();
      return;
    case 'dateTime':
      if (typeof value !== 'string' || !DATE_TIME.test(value)) wrong();
      return;
    case 'complex':
      checkObject(value, definition.subAttributes ?? [], at, problems);
      return;
  }
}
