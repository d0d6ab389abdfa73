/**
 * What a forest's schema says about the object classes Canopy syncs, as the agent reads it
 * from the schema naming context (MS-ADTS 3.1.1.2: classSchema and attributeSchema objects)
 * and the service turns it into Graph's directoryDefinition (engine/schema/discover.ts).
 */

/** One attribute a class may or must hold (MS-ADTS 3.1.1.2.3, attributeSchema). */
export interface AdAttributeSchema {
  /** lDAPDisplayName, as the schema spells it. */
  readonly name: string;
  /** attributeSyntax, an OID such as 2.5.5.12 (Unicode string) or 2.5.5.1 (DN). */
  readonly syntax: string;
  /** oMSyntax (MS-ADTS 3.1.1.2.2.2): 1 Boolean, 2 Integer, 4 octet string, 24 time, 127 object, … */
  readonly oMSyntax: number;
  readonly singleValued: boolean;
  /** In a mustContain of the class or a class it derives from. */
  readonly required: boolean;
}

export interface AdClassSchema {
  /** lDAPDisplayName of the class. */
  readonly name: string;
  /** Every attribute the class may hold: its own, its superclasses' and its auxiliary classes'. */
  readonly attributes: readonly AdAttributeSchema[];
}

export interface AdSchemaDiscovery {
  /** The DN of the schema naming context read. */
  readonly schemaNamingContext: string;
  readonly classes: readonly AdClassSchema[];
}
