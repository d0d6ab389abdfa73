/**
 * The schema of cloud sync's second job template, AD2AADPasswordHash: the same two
 * directories as AD2AADProvisioning, and per user object (users and inetOrgPersons) only
 * what password hash sync needs: the hard match on the source anchor and CredentialData ←
 * [PasswordHash] (entra-docs how-to-inbound-synch-ms-graph, "Enable Sync password hashes").
 * The provisioning engine does not run this job; password hash sync does.
 */
import { ANCHOR_MAPPING, DEFAULT_SCHEMA, DEFAULT_SCHEMA_VERSION, SOURCE_DIRECTORY_NAME, TARGET_DIRECTORY_NAME, defaultSchema } from './default-schema.ts';
import type { AttributeMapping, ObjectMapping, SynchronizationSchema } from './synchronization-schema.ts';

export const PASSWORD_HASH_RULE_ID = 'AD2AADPasswordHash';
export const PROVISIONING_TEMPLATE_ID = 'AD2AADProvisioning';

function attribute(sourceName: string, targetAttributeName: string, matchingPriority = 0, flowType: AttributeMapping['flowType'] = 'Always'): AttributeMapping {
  return {
    targetAttributeName,
    defaultValue: null,
    exportMissingReferences: false,
    flowBehavior: 'FlowWhenChanged',
    flowType,
    matchingPriority,
    source: { expression: `[${sourceName}]`, name: sourceName, parameters: [], type: 'Attribute' },
  };
}

const MAPPINGS: readonly AttributeMapping[] = [
  ANCHOR_MAPPING,
  attribute('PasswordHash', 'CredentialData'),
];

function objectMapping(name: string, sourceObjectName: string): ObjectMapping {
  return { name, enabled: true, flowTypes: 'Update', sourceObjectName, targetObjectName: 'User', scope: null, metadata: [], attributeMappings: MAPPINGS };
}

export const PASSWORD_HASH_SCHEMA: SynchronizationSchema = {
  id: PASSWORD_HASH_RULE_ID,
  version: DEFAULT_SCHEMA_VERSION,
  directories: DEFAULT_SCHEMA.directories,
  synchronizationRules: [
    {
      id: PASSWORD_HASH_RULE_ID,
      name: PASSWORD_HASH_RULE_ID,
      editable: true,
      priority: 1,
      sourceDirectoryName: SOURCE_DIRECTORY_NAME,
      targetDirectoryName: TARGET_DIRECTORY_NAME,
      containerFilter: { includedContainers: [] },
      groupFilter: null,
      metadata: [],
      objectMappings: [objectMapping('Provision Active Directory users', 'user'), objectMapping('Provision Active Directory inetOrgPersons', 'inetOrgPerson')],
    },
  ],
};

/** A job's schema before anyone PUTs one: its template's, as a deep copy. */
export function templateSchema(templateId: string): SynchronizationSchema {
  if (templateId === PASSWORD_HASH_RULE_ID) return structuredClone(PASSWORD_HASH_SCHEMA) as SynchronizationSchema;
  return defaultSchema();
}
