/**
 * The AD attributes Canopy's agent reads, by source object: those the template's Active
 * Directory directory defines (default-schema.ts), which is what the agent's SCIM resources
 * carry and the engine reads back (scim-change-source.ts). Schema discovery may show a forest
 * holding more (custom attributes, Exchange's); a mapping or scoping clause that reads one
 * of those is refused when the schema is PUT, rather than flowing an empty value forever.
 */
import { CanopyError } from '../../core/errors.ts';
import { DEFAULT_SCHEMA, SOURCE_DIRECTORY_NAME } from './default-schema.ts';

const READ = new Map<string, ReadonlySet<string>>(
  DEFAULT_SCHEMA.directories
    .find((d) => d.name === SOURCE_DIRECTORY_NAME)!
    .objects.map((o) => [o.name.toLowerCase(), new Set(o.attributes.map((a) => a.name.toLowerCase()))]),
);

/** Throws when the agent does not read one of `names` for the source object (in the AD directory). */
export function checkAgentReads(sourceDirectoryName: string | undefined, sourceObjectName: string, names: Iterable<string>, where: string): void {
  if (sourceDirectoryName !== SOURCE_DIRECTORY_NAME) return;
  const read = READ.get(sourceObjectName.toLowerCase());
  if (!read) return;
  for (const name of names) {
    if (!read.has(name.toLowerCase())) {
      throw new CanopyError('ERR_ENGINE_SCHEMA_INVALID', `${where}: [${name}] is in the schema's ${SOURCE_DIRECTORY_NAME} definition of ${sourceObjectName}, but Canopy's agent does not read it (it reads the template's attributes, with extensionAttribute1–15 and msDS-cloudExtensionAttribute1–20 for custom values)`);
    }
  }
}
