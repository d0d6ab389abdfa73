/**
 * Evaluates an objectMapping of a synchronizationSchema against one source object. Every
 * source is compiled once per cycle: an Attribute source reads the attribute, a Constant
 * is its text, a Function is an expression (src/expressions) parsed and validated before
 * any object, so a bad mapping stops the cycle's set-up, never each object.
 *
 * flowType (Graph attributeMapping): Always flows on create and update; ObjectAddOnly only
 * when the target object is created. defaultValue applies on creation when the source
 * yields nothing. Reference attributes (manager, members) yield source DNs; the cycle
 * resolves them to cloud ids. An expression that reads an attribute a partial change does
 * not carry is "not known" and does not flow on update, as a plain attribute.
 * IgnoreFlowIfNullOrEmpty drops its attribute from the flow. Redact() flows the value and
 * marks the attribute: the provisioning log shows "[Redact]" for it, never the value.
 */
import { CanopyError } from '../core/errors.ts';
import {
  attributesOf, evaluateSync, flowValues, fromGraphSource, isExpressionError, validateExpression, type ParsedExpression,
} from '../expressions/index.ts';
import type {
  AttributeDefinition,
  AttributeMapping,
  ObjectMapping,
  SynchronizationSchema,
} from './schema/synchronization-schema.ts';
import { checkAgentReads } from './schema/agent-attributes.ts';
import { readMappedAttribute, type SourceView } from './source-attributes.ts';

export type TargetValue = string | number | boolean | readonly string[] | null;

export interface MappedObject {
  /** Target attribute → value, for every attribute that flows in this operation. */
  readonly values: Map<string, TargetValue>;
  /** Reference target attribute → source DNs (possibly empty: clears the reference). */
  readonly references: Map<string, readonly string[]>;
  /** Target attributes whose expression ran Redact(): their values never reach a log. */
  readonly redacted: ReadonlySet<string>;
}

export interface MappingFailure {
  readonly targetAttributeName: string;
  readonly code: 'ERR_ENGINE_MAPPING';
  readonly message: string;
}

export interface MappingResult {
  readonly mapped: MappedObject;
  readonly failures: readonly MappingFailure[];
}

export interface CompiledAttribute {
  readonly mapping: AttributeMapping;
  readonly definition: AttributeDefinition;
  /** The source as an expression, for Function sources. */
  readonly expression?: ParsedExpression;
}

export interface CompiledObjectMapping {
  readonly objectMapping: ObjectMapping;
  readonly attributes: readonly CompiledAttribute[];
  /** Attributes with matchingPriority > 0, lowest priority number first. */
  readonly matching: readonly CompiledAttribute[];
}

const SUPPORTED_FLOW_TYPES = new Set(['Always', 'ObjectAddOnly']);

/**
 * A Function source as a validated expression, or a CanopyError naming the mapping and
 * what is wrong (unknown function, arity, an attribute the source object lacks, …).
 * `sourceAttributes` are the source object's attribute names, lower case.
 */
export function compileSourceExpression(mapping: AttributeMapping, where: string, sourceObjectName: string, sourceAttributes?: ReadonlySet<string>): ParsedExpression | undefined {
  const source = mapping.source;
  if (source === null || source.type !== 'Function') {
    if (source?.type === 'Attribute' && sourceAttributes && source.name && !sourceAttributes.has(source.name.toLowerCase())) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: unknown attribute [${source.name}] on ${sourceObjectName}`);
    }
    return undefined;
  }
  try {
    const parsed = fromGraphSource(source, `${where}.source`);
    const problems = validateExpression(parsed, {
      sourceObjectName,
      ...(sourceAttributes ? { attributeExists: (name: string) => sourceAttributes.has(name.toLowerCase()) } : {}),
    });
    if (parsed.root.kind === 'call' && parsed.root.name === 'SelectUniqueValue') {
      // The functions page: supported only for Workday/SuccessFactors/API-driven provisioning to AD.
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: SelectUniqueValue is not available to cloud sync (Microsoft supports it only for provisioning to Active Directory)`);
    }
    const first = problems[0];
    if (first) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: ${parsed.text}: ${first.message}`, { cause: first });
    return parsed;
  } catch (error) {
    if (isExpressionError(error)) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The attribute names (lower case) the source directory defines for an object type, if it is defined. */
export function sourceAttributeNames(schema: SynchronizationSchema, sourceDirectoryName: string | undefined, objectName: string): ReadonlySet<string> | undefined {
  const directory = schema.directories.find((d) => d.name === sourceDirectoryName);
  const object = directory?.objects.find((o) => o.name.toLowerCase() === objectName.toLowerCase());
  return object ? new Set(object.attributes.map((a) => a.name.toLowerCase())) : undefined;
}

/** Checks an objectMapping against the schema's target directory once, before any object. */
export function compileObjectMapping(schema: SynchronizationSchema, objectMapping: ObjectMapping, targetDirectoryName: string, sourceDirectoryName?: string): CompiledObjectMapping {
  const directory = schema.directories.find((d) => d.name === targetDirectoryName);
  const target = directory?.objects.find((o) => o.name.toLowerCase() === objectMapping.targetObjectName.toLowerCase());
  if (!target) {
    throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `the schema defines no object ${objectMapping.targetObjectName} in directory "${targetDirectoryName}"`);
  }
  const sourceAttributes = sourceDirectoryName === undefined ? undefined : sourceAttributeNames(schema, sourceDirectoryName, objectMapping.sourceObjectName);
  const definitions = new Map(target.attributes.map((a) => [a.name.toLowerCase(), a]));
  const attributes = objectMapping.attributeMappings.map((mapping): CompiledAttribute => {
    const definition = definitions.get(mapping.targetAttributeName.toLowerCase());
    if (!definition) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${objectMapping.targetObjectName} has no attribute ${mapping.targetAttributeName} (objectMapping "${objectMapping.name}")`);
    }
    if (!SUPPORTED_FLOW_TYPES.has(mapping.flowType)) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `flowType ${mapping.flowType} of ${mapping.targetAttributeName} is not supported yet (Always, ObjectAddOnly)`);
    }
    const where = `objectMapping "${objectMapping.name}", ${mapping.targetAttributeName}`;
    const expression = compileSourceExpression(mapping, where, objectMapping.sourceObjectName, sourceAttributes);
    const read = expression ? attributesOf(expression.root) : mapping.source?.type === 'Attribute' && mapping.source.name ? [mapping.source.name] : [];
    checkAgentReads(sourceDirectoryName, objectMapping.sourceObjectName, read, where);
    return expression ? { mapping, definition, expression } : { mapping, definition };
  });
  const matching = attributes
    .filter((a) => (a.mapping.matchingPriority ?? 0) > 0)
    .sort((a, b) => (a.mapping.matchingPriority ?? 0) - (b.mapping.matchingPriority ?? 0));
  return { objectMapping, attributes, matching };
}

/** Thrown by the attribute reader when a partial change does not carry an attribute. */
class NotKnown {}
const NOT_KNOWN = new NotKnown();

/** 'ignore' drops the attribute from the flow; undefined means "not known" (partial change). */
export function evaluateSource(compiled: CompiledAttribute, view: SourceView, onRedact?: () => void): readonly string[] | undefined | 'ignore' {
  const source = compiled.mapping.source;
  if (source === null) return [];
  if (compiled.expression) {
    try {
      const result = evaluateSync(compiled.expression.root, {
        attribute: (name) => {
          const values = readMappedAttribute(view, name);
          if (values === undefined) throw NOT_KNOWN;
          return values;
        },
      });
      if (result.redacted) onRedact?.();
      return result.ignoreFlow ? 'ignore' : flowValues(result);
    } catch (error) {
      if (error === NOT_KNOWN) return undefined;
      throw error;
    }
  }
  switch (source.type) {
    case 'Attribute':
      if (!source.name) throw new CanopyError('ERR_ENGINE_MAPPING', 'an Attribute source has no attribute name');
      return readMappedAttribute(view, source.name);
    case 'Constant':
      return source.name === null || source.name === '' ? [] : [source.name];
    case 'Function':
      throw new CanopyError('ERR_ENGINE_MAPPING', 'a Function source was not compiled');
  }
}

function toBoolean(text: string): boolean {
  const lower = text.trim().toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new CanopyError('ERR_ENGINE_MAPPING', `"${text}" is not a Boolean`);
}

/** Converts text values to the target attribute's type and cardinality. */
export function convertValues(values: readonly string[], definition: AttributeDefinition): TargetValue {
  const present = values.filter((v) => v !== '');
  if (definition.multivalued) return present;
  const first = present[0];
  if (first === undefined) return null;
  switch (definition.type) {
    case 'Boolean':
      return toBoolean(first);
    case 'Integer': {
      const n = Number(first);
      if (!Number.isFinite(n)) throw new CanopyError('ERR_ENGINE_MAPPING', `"${first}" is not an Integer`);
      return n;
    }
    default:
      return first;
  }
}

/**
 * Applies the compiled mapping to one object. `operation` 'create' flows every mapping and
 * fills defaults; 'update' flows Always mappings whose source is known.
 */
export function evaluateMapping(compiled: CompiledObjectMapping, view: SourceView, operation: 'create' | 'update'): MappingResult {
  const values = new Map<string, TargetValue>();
  const references = new Map<string, readonly string[]>();
  const failures: MappingFailure[] = [];
  const ignored = new Set<string>();
  const redacted = new Set<string>();
  for (const attribute of compiled.attributes) {
    const { mapping, definition } = attribute;
    if (operation === 'update' && mapping.flowType === 'ObjectAddOnly') continue;
    try {
      let raw = evaluateSource(attribute, view, () => redacted.add(definition.name));
      if (raw === 'ignore') {
        ignored.add(definition.name);
        continue;
      }
      if (raw === undefined) {
        if (operation === 'update') continue;
        raw = [];
      }
      if (operation === 'create' && raw.every((v) => v === '') && mapping.defaultValue != null && mapping.defaultValue !== '') {
        raw = [mapping.defaultValue];
      }
      if (definition.type === 'Reference') {
        const dns = raw.filter((v) => v !== '');
        references.set(definition.name, definition.multivalued ? dns : dns.slice(0, 1));
      } else {
        values.set(definition.name, convertValues(raw, definition));
      }
    } catch (error) {
      failures.push({ targetAttributeName: mapping.targetAttributeName, code: 'ERR_ENGINE_MAPPING', message: error instanceof Error ? error.message : String(error) });
    }
  }
  if (operation === 'create') {
    for (const { definition } of compiled.attributes) {
      if (ignored.has(definition.name)) continue;
      if (definition.required && definition.type !== 'Reference' && (values.get(definition.name) ?? null) === null && !failures.some((f) => f.targetAttributeName === definition.name)) {
        failures.push({ targetAttributeName: definition.name, code: 'ERR_ENGINE_MAPPING', message: `${definition.name} is required and the source has no value for it` });
      }
    }
  }
  return { mapped: { values, references, redacted }, failures };
}
