/**
 * Microsoft Graph v1.0 synchronizationSchema and the types beneath it, field for field
 * (microsoft-graph-docs api-reference/v1.0/resources/synchronization-synchronizationschema,
 * -synchronizationrule, -objectmapping, -attributemapping, -attributemappingsource,
 * -directorydefinition, -objectdefinition, -attributedefinition). The engine evaluates
 * exactly this shape, so the schema API can serve and accept it as is.
 */

export type AttributeMappingSourceType = 'Attribute' | 'Constant' | 'Function';

export interface StringKeyAttributeMappingSourceValuePair {
  readonly key: string;
  readonly value: AttributeMappingSource;
}

export interface AttributeMappingSource {
  /** The expression text, as the portal shows it (`[mail]`, `"x"`, `Join(",", [a])`). */
  readonly expression?: string | null;
  /** Attribute name (type Attribute), the constant (type Constant) or the function name. */
  readonly name: string | null;
  readonly parameters?: readonly StringKeyAttributeMappingSourceValuePair[];
  readonly type: AttributeMappingSourceType;
}

export type AttributeFlowType = 'Always' | 'ObjectAddOnly' | 'MultiValueAddOnly' | 'ValueAddOnly' | 'AttributeAddOnly';
export type AttributeFlowBehavior = 'FlowWhenChanged' | 'FlowAlways';

export interface AttributeMapping {
  readonly targetAttributeName: string;
  /** Used on creation when the source yields no value. */
  readonly defaultValue?: string | null;
  readonly exportMissingReferences?: boolean;
  readonly flowBehavior?: AttributeFlowBehavior;
  readonly flowType: AttributeFlowType;
  /** 0 = not used for matching; 1 = first matching attribute, 2 = next, … */
  readonly matchingPriority?: number;
  readonly source: AttributeMappingSource | null;
}

export interface FilterOperand {
  readonly values: readonly string[];
}
export interface FilterClause {
  readonly operatorName: string;
  readonly sourceOperandName: string;
  readonly targetOperand: FilterOperand;
}
export interface FilterGroup {
  readonly name: string;
  readonly clauses: readonly FilterClause[];
}
export interface Filter {
  readonly categoryFilterGroups?: readonly FilterGroup[];
  readonly groups?: readonly FilterGroup[];
  readonly inputFilterGroups?: readonly FilterGroup[];
}

export interface MetadataEntry {
  readonly key: string;
  readonly value: string;
}

export interface ObjectMapping {
  readonly attributeMappings: readonly AttributeMapping[];
  readonly enabled: boolean;
  /** Comma list of Add, Update, Delete. */
  readonly flowTypes: string;
  readonly metadata?: readonly MetadataEntry[];
  readonly name: string;
  readonly scope?: Filter | null;
  readonly sourceObjectName: string;
  readonly targetObjectName: string;
}

export interface ContainerFilter {
  readonly includedContainers: readonly string[];
}
export interface GroupFilter {
  readonly includedGroups: readonly string[];
}

export interface SynchronizationRule {
  readonly containerFilter?: ContainerFilter | null;
  readonly editable: boolean;
  readonly groupFilter?: GroupFilter | null;
  readonly id: string;
  readonly metadata?: readonly MetadataEntry[];
  readonly name: string;
  readonly objectMappings: readonly ObjectMapping[];
  readonly priority: number;
  readonly sourceDirectoryName: string;
  readonly targetDirectoryName: string;
}

export type AttributeType = 'String' | 'Integer' | 'Reference' | 'Binary' | 'Boolean' | 'DateTime';

export interface ReferencedObject {
  readonly referencedObjectName: string;
  readonly referencedProperty?: string | null;
}

export interface AttributeDefinition {
  readonly anchor?: boolean;
  readonly caseExact?: boolean;
  readonly defaultValue?: string | null;
  readonly flowNullValues?: boolean;
  readonly metadata?: readonly MetadataEntry[];
  readonly multivalued: boolean;
  readonly mutability?: 'ReadWrite' | 'ReadOnly' | 'Immutable' | 'WriteOnly';
  readonly name: string;
  readonly referencedObjects?: readonly ReferencedObject[];
  readonly required?: boolean;
  readonly type: AttributeType;
}

export interface ObjectDefinition {
  readonly attributes: readonly AttributeDefinition[];
  readonly metadata?: readonly MetadataEntry[];
  readonly name: string;
  readonly supportedApis?: readonly string[];
}

export interface DirectoryDefinition {
  readonly discoverabilities?: string;
  readonly discoveryDateTime?: string | null;
  readonly id: string;
  readonly name: string;
  readonly objects: readonly ObjectDefinition[];
  readonly readOnly: boolean;
  readonly version?: string | null;
}

export interface SynchronizationSchema {
  readonly directories: readonly DirectoryDefinition[];
  readonly id?: string;
  readonly synchronizationRules: readonly SynchronizationRule[];
  readonly version: string;
}
