/**
 * Schema definitions as RFC 7643 §7 describes them, with the defaults of §2.2 applied by
 * `attribute()` so the documents below list only what differs.
 */
import { SCHEMA } from './urns.ts';

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface SchemaAttribute {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly SchemaAttribute[];
}

export interface SchemaDefinition {
  readonly schemas: readonly [typeof SCHEMA];
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly SchemaAttribute[];
  readonly meta: { readonly resourceType: 'Schema'; readonly location: string };
}

type AttributeOptions = Partial<Omit<SchemaAttribute, 'name' | 'type' | 'description'>>;

/** RFC 7643 §2.2: "required" false, "canonicalValues" none, "caseExact" false,
 *  "mutability" readWrite, "returned" default, "uniqueness" none, "type" string. */
export function attribute(name: string, type: AttributeType, description: string, options: AttributeOptions = {}): SchemaAttribute {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

/** Attributes every read-only AD-sourced value shares. */
export const readOnly = { mutability: 'readOnly' } as const;

export function schemaDefinition(id: string, name: string, description: string, attributes: readonly SchemaAttribute[]): SchemaDefinition {
  return {
    schemas: [SCHEMA],
    id,
    name,
    description,
    attributes,
    meta: { resourceType: 'Schema', location: `/Schemas/${id}` },
  };
}
