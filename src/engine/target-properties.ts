/**
 * From mapped target attributes (Graph names, as the schema's target directory spells them)
 * to the store's properties, and the diff against what the cloud object holds now. Only
 * properties that differ are written, so a replayed page and a no-op cycle write nothing.
 */
import { CanopyError } from '../core/errors.ts';
import { GROUP_PROPERTIES, USER_PROPERTIES } from '../directory/properties.ts';
import type { DirectoryGroup, DirectoryUser } from '../directory/types.ts';
import type { CompiledObjectMapping, TargetValue } from './mapping.ts';

export type ObjectType = 'user' | 'group';

/** Target attribute → store property, where the names differ. */
const RENAMED: Record<ObjectType, Record<string, string>> = {
  user: { manager: 'managerId' },
  // Graph has no anchor property on groups; the store keeps it as the internal sourceAnchor.
  group: { onPremisesImmutableId: 'sourceAnchor' },
};

/** Properties sync owns and sets itself, never through a mapping. */
const SYSTEM = new Set(['onPremisesSyncEnabled', 'onPremisesLastSyncDateTime', 'managerId', 'directoryExtensions', 'onPremisesExtensionAttributes']);

/**
 * Entra's target attributes extensionAttribute1–15 of users (from AD's Exchange attributes of
 * the same names): kept together in the user's `onPremisesExtensionAttributes` (JSON text),
 * which Graph shows as a complex property with those 15 keys.
 */
const EXTENSION_ATTRIBUTE = /^extensionAttribute([1-9]|1[0-5])$/;

/** User target attributes the store keeps packed in one JSON text property. */
function packedProperty(name: string): 'directoryExtensions' | 'onPremisesExtensionAttributes' | undefined {
  if (isDirectoryExtension(name)) return 'directoryExtensions';
  if (EXTENSION_ATTRIBUTE.test(name)) return 'onPremisesExtensionAttributes';
  return undefined;
}
const PACKED = new Set(['directoryExtensions', 'onPremisesExtensionAttributes']);

/**
 * A directory extension property (`extension_{appId}_{name}`, Graph's naming): a target
 * attribute the schema's target directory defines for users. Its values are kept together
 * in the user's `directoryExtensions` (JSON text) and shown by the API as properties.
 */
const DIRECTORY_EXTENSION = /^extension_[0-9a-f]{32}_[A-Za-z0-9_]+$/i;

export function isDirectoryExtension(name: string): boolean {
  return DIRECTORY_EXTENSION.test(name);
}

function parseExtensions(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The stored extensions with the mapped ones laid over them (null clears one), keys sorted; null when none. */
function mergeExtensions(current: unknown, mapped: unknown): string | null {
  const merged: Record<string, unknown> = { ...parseExtensions(current), ...parseExtensions(mapped) };
  const kept = Object.keys(merged).filter((k) => merged[k] !== null && merged[k] !== undefined).sort();
  return kept.length === 0 ? null : JSON.stringify(Object.fromEntries(kept.map((k) => [k, merged[k]])));
}

export function storePropertyOf(objectType: ObjectType, targetAttribute: string): string {
  return RENAMED[objectType][targetAttribute] ?? targetAttribute;
}

/** Refuses, before any object, a mapping whose targets the store cannot hold. */
export function checkMappingTargets(objectType: ObjectType, compiled: CompiledObjectMapping): void {
  const known: Readonly<Record<string, unknown>> = objectType === 'user' ? USER_PROPERTIES : GROUP_PROPERTIES;
  for (const { definition } of compiled.attributes) {
    if (definition.type === 'Reference') {
      const ok = objectType === 'user' ? definition.name === 'manager' : definition.name === 'members';
      if (!ok) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `reference attribute ${definition.name} of ${objectType} is not supported`);
      continue;
    }
    if (packedProperty(definition.name)) {
      if (objectType !== 'user') throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${definition.name}: only users carry directory extensions and extension attributes here`);
      if (definition.multivalued) throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${definition.name}: multi-valued extensions are not supported`);
      continue;
    }
    const property = storePropertyOf(objectType, definition.name);
    if (!(property in known) || SYSTEM.has(property)) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `the cloud directory has no writable ${objectType} property ${definition.name}`);
    }
  }
}

/**
 * Mapped values as store properties. For an update, a packed property carries the mapped keys
 * with their nulls (diffProperties lays them over what the user holds, a null clearing its
 * key); for a create, only the keys with values (null when none).
 */
export function toStoreProperties(objectType: ObjectType, values: ReadonlyMap<string, TargetValue>, purpose: 'create' | 'update' = 'update'): Record<string, TargetValue> {
  const properties: Record<string, TargetValue> = {};
  const packed: Record<string, Record<string, TargetValue>> = {};
  for (const [name, value] of values) {
    const into = objectType === 'user' ? packedProperty(name) : undefined;
    if (into) (packed[into] ??= {})[name] = value;
    else properties[storePropertyOf(objectType, name)] = value;
  }
  for (const [name, entries] of Object.entries(packed)) properties[name] = purpose === 'create' ? mergeExtensions(null, JSON.stringify(entries)) : JSON.stringify(entries);
  return properties;
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = Array.isArray(a) ? a : [];
    const y = Array.isArray(b) ? b : [];
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  return (a ?? null) === (b ?? null);
}

export interface PropertyChange {
  readonly name: string;
  readonly oldValue: unknown;
  readonly newValue: TargetValue;
}

/** The properties whose desired value differs from the object's current one. */
export function diffProperties(current: DirectoryUser | DirectoryGroup | undefined, desired: Readonly<Record<string, TargetValue>>): PropertyChange[] {
  const changes: PropertyChange[] = [];
  const record = current as unknown as Record<string, unknown> | undefined;
  for (const [name, wanted] of Object.entries(desired)) {
    const oldValue = record?.[name] ?? null;
    const newValue = PACKED.has(name) ? mergeExtensions(oldValue, wanted) : wanted;
    if (!same(oldValue, newValue)) changes.push({ name, oldValue, newValue });
  }
  return changes;
}
