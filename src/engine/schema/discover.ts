/**
 * Schema discovery (Graph directoryDefinition: discover, "Discover the latest schema
 * definition"): the job's Active Directory directory as the forest's schema has it now, read
 * through the agent (ad/schema.ts). Each object the directory defines (user, inetOrgPerson,
 * group) lists every attribute its class may hold (custom ones and Exchange's
 * extensionAttribute1–15 when the forest's schema has them), with Graph's type and
 * multivalued from the attribute's syntax and `required` for mustContain.
 * An attribute the stored definition already has keeps that definition (its anchor flag and
 * referenced objects); Canopy's own source attributes (sourceAnchor, PasswordHash) stay.
 *
 * The answer is not written into the job's schema: a discovered attribute can be mapped by
 * PUTting a schema that defines it, and one the agent does not read is refused there
 * (agent-attributes.ts), so nothing flows empty without a word.
 */
import type { AdAttributeSchema } from '../../core/ad-schema.ts';
import { CanopyError } from '../../core/errors.ts';
import type { ChangeSource, CycleJob } from '../ports.ts';
import { SOURCE_DIRECTORY_NAME } from './default-schema.ts';
import type { AttributeDefinition, AttributeType, DirectoryDefinition } from './synchronization-schema.ts';

/** Not AD attributes: the engine's own (default-schema.ts). */
const ENGINE_ATTRIBUTES = new Set(['sourceanchor', 'passwordhash']);

/** Graph's directoryDefinition as discover answers it. */
export interface DiscoveredDirectory extends DirectoryDefinition {
  readonly discoverabilities: string;
  readonly discoveryDateTime: string;
}

/** Graph's attribute type for an AD syntax (MS-ADTS 3.1.1.2.2.2, the oMSyntax / attributeSyntax table). */
export function attributeTypeOf(attribute: Pick<AdAttributeSchema, 'oMSyntax' | 'syntax'>): AttributeType {
  switch (attribute.oMSyntax) {
    case 1:
      return 'Boolean';
    case 2: // Integer, Enumeration, Large integer (FILETIMEs such as accountExpires among them)
    case 10:
    case 65:
      return 'Integer';
    case 23: // UTC time, Generalized time
    case 24:
      return 'DateTime';
    case 4: // Octet string (objectGUID, objectSid), NT security descriptor
    case 66:
      return 'Binary';
    case 127:
      return attribute.syntax === '2.5.5.1' ? 'Reference' : 'String'; // DN; DN-Binary and DN-String read as text
    default:
      return 'String';
  }
}

function definitionOf(attribute: AdAttributeSchema, stored: AttributeDefinition | undefined): AttributeDefinition {
  if (stored) return stored;
  return {
    name: attribute.name,
    type: attributeTypeOf(attribute),
    multivalued: !attribute.singleValued,
    required: attribute.required,
    anchor: false,
    caseExact: false,
    flowNullValues: false,
    mutability: 'ReadWrite',
    referencedObjects: [],
    metadata: [],
  };
}

export async function discoverDirectory(job: CycleJob, source: ChangeSource, directoryId: string, now: Date, signal?: AbortSignal): Promise<DiscoveredDirectory> {
  const directory = job.schema.directories.find((d) => d.id === directoryId);
  if (!directory) throw new CanopyError('ERR_ENGINE_OBJECT_NOT_FOUND', `the job's schema has no directory ${directoryId} (${job.schema.directories.map((d) => d.id).join(', ')})`);
  const discoveryDateTime = now.toISOString();
  if (directory.name !== SOURCE_DIRECTORY_NAME) {
    // The cloud directory is Canopy's own: its definition is what it is.
    return { ...directory, discoverabilities: 'None', discoveryDateTime };
  }
  if (!source.readSchema) throw new CanopyError('ERR_ENGINE_SOURCE_INVALID', 'the source cannot read the AD schema');
  const read = await source.readSchema(job, directory.objects.map((o) => o.name), signal);
  const objects = directory.objects.map((object) => {
    const found = read.classes.find((c) => c.name.toLowerCase() === object.name.toLowerCase());
    if (!found) throw new CanopyError('ERR_ENGINE_SOURCE_INVALID', `the AD schema (${read.schemaNamingContext}) has no class ${object.name}`);
    const stored = new Map(object.attributes.map((a) => [a.name.toLowerCase(), a]));
    const attributes = found.attributes.map((a) => definitionOf(a, stored.get(a.name.toLowerCase())));
    for (const a of object.attributes) if (ENGINE_ATTRIBUTES.has(a.name.toLowerCase())) attributes.push(a);
    return { ...object, attributes };
  });
  return { ...directory, objects, discoverabilities: 'AttributeNames, AttributeDataTypes', discoveryDateTime };
}
