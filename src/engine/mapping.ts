/**
 * Evaluates an objectMapping of a synchronizationSchema against one source object. Sources
 * of type Attribute and Constant are evaluated here; a Function source is handed to an
 * expression evaluator when one is plugged in (the expressions part), and otherwise fails
 * that object with ERR_ENGINE_EXPRESSIONS_UNSUPPORTED, never the cycle.
 *
 * flowType (Graph attributeMapping): Always flows on create and update; ObjectAddOnly only
 * when the target object is created. defaultValue applies on creation when the source
 * yields nothing. Reference attributes (manager, members) yield source DNs; the cycle
 * resolves them to cloud ids.
 */
import { CanopyError } from '../core/errors.ts';
import type {
  AttributeDefinition,
  AttributeMapping,
  AttributeMappingSource,
  ObjectMapping,
  SynchronizationSchema,
} from './schema/synchronization-schema.ts';
import { readSourceAttribute, type SourceView } from './source-attributes.ts';

export type TargetValue = string | number | boolean | readonly string[] | null;

export interface MappedObject {
  /** Target attribute → value, for every attribute that flows in this operation. */
  readonly values: Map<string, TargetValue>;
  /** Reference target attribute → source DNs (possibly empty: clears the reference). */
  readonly references: Map<string, readonly string[]>;
}

export interface MappingFailure {
  readonly targetAttributeName: string;
  readonly code: 'ERR_ENGINE_EXPRESSIONS_UNSUPPORTED' | 'ERR_ENGINE_MAPPING';
  readonly message: string;
}

export interface MappingResult {
  readonly mapped: MappedObject;
  readonly failures: readonly MappingFailure[];
}

/** The hook the expressions part implements: evaluate a Function source to values. */
export type FunctionEvaluator = (source: AttributeMappingSource, view: SourceView) => readonly string[] | undefined;

export interface CompiledAttribute {
  readonly mapping: AttributeMapping;
  readonly definition: AttributeDefinition;
}

export interface CompiledObjectMapping {
  readonly objectMapping: ObjectMapping;
  readonly attributes: readonly CompiledAttribute[];
  /** Attributes with matchingPriority > 0, lowest priority number first. */
  readonly matching: readonly CompiledAttribute[];
}

const SUPPORTED_FLOW_TYPES = new Set(['Always', 'ObjectAddOnly']);

/** Checks an objectMapping against the schema's target directory once, before any object. */
export function compileObjectMapping(schema: SynchronizationSchema, objectMapping: ObjectMapping, targetDirectoryName: string): CompiledObjectMapping {
  const directory = schema.directories.find((d) => d.name === targetDirectoryName);
  const target = directory?.objects.find((o) => o.name.toLowerCase() === objectMapping.targetObjectName.toLowerCase());
  if (!target) {
    throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `the schema defines no object ${objectMapping.targetObjectName} in directory "${targetDirectoryName}"`);
  }
  const definitions = new Map(target.attributes.map((a) => [a.name.toLowerCase(), a]));
  const attributes = objectMapping.attributeMappings.map((mapping): CompiledAttribute => {
    const definition = definitions.get(mapping.targetAttributeName.toLowerCase());
    if (!definition) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${objectMapping.targetObjectName} has no attribute ${mapping.targetAttributeName} (objectMapping "${objectMapping.name}")`);
    }
    if (!SUPPORTED_FLOW_TYPES.has(mapping.flowType)) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `flowType ${mapping.flowType} of ${mapping.targetAttributeName} is not supported yet (Always, ObjectAddOnly)`);
    }
    return { mapping, definition };
  });
  const matching = attributes
    .filter((a) => (a.mapping.matchingPriority ?? 0) > 0)
    .sort((a, b) => (a.mapping.matchingPriority ?? 0) - (b.mapping.matchingPriority ?? 0));
  return { objectMapping, attributes, matching };
}

/** Raw values of a source: undefined when unknown (partial change), [] when empty. */
export function evaluateSource(source: AttributeMappingSource | null, view: SourceView, evaluateFunction?: FunctionEvaluator): readonly string[] | undefined {
  if (source === null) return [];
  switch (source.type) {
    case 'Attribute':
      if (!source.name) throw new CanopyError('ERR_ENGINE_MAPPING', 'an Attribute source has no attribute name');
      return readSourceAttribute(view, source.name);
    case 'Constant':
      return source.name === null || source.name === '' ? [] : [source.name];
    case 'Function':
      if (!evaluateFunction) {
        throw new CanopyError('ERR_ENGINE_EXPRESSIONS_UNSUPPORTED', `expressions not supported yet: ${source.expression ?? source.name ?? 'a Function source'}`);
      }
      return evaluateFunction(source, view);
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
export function evaluateMapping(
  compiled: CompiledObjectMapping,
  view: SourceView,
  operation: 'create' | 'update',
  evaluateFunction?: FunctionEvaluator,
): MappingResult {
  const values = new Map<string, TargetValue>();
  const references = new Map<string, readonly string[]>();
  const failures: MappingFailure[] = [];
  for (const { mapping, definition } of compiled.attributes) {
    if (operation === 'update' && mapping.flowType === 'ObjectAddOnly') continue;
    try {
      let raw = evaluateSource(mapping.source, view, evaluateFunction);
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
      const code = error instanceof CanopyError && error.code === 'ERR_ENGINE_EXPRESSIONS_UNSUPPORTED' ? error.code : 'ERR_ENGINE_MAPPING';
      failures.push({ targetAttributeName: mapping.targetAttributeName, code, message: error instanceof Error ? error.message : String(error) });
    }
  }
  if (operation === 'create') {
    for (const { definition } of compiled.attributes) {
      if (definition.required && definition.type !== 'Reference' && (values.get(definition.name) ?? null) === null && !failures.some((f) => f.targetAttributeName === definition.name)) {
        failures.push({ targetAttributeName: definition.name, code: 'ERR_ENGINE_MAPPING', message: `${definition.name} is required and the source has no value for it` });
      }
    }
  }
  return { mapped: { values, references }, failures };
}
