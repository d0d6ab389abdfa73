/**
 * The common attributes of every resource (RFC 7643 §3.1), which no schema defines: `id`
 * (readOnly, returned always, caseExact, unique), `externalId` (set by the provisioning
 * client; here the source anchor) and `meta` (readOnly). Written as attribute definitions so
 * that the validator checks them with the same rules as schema attributes.
 */
import { attribute, type SchemaAttribute } from './schema-types.ts';

const readOnly = { mutability: 'readOnly' } as const;

export const commonAttributes: readonly SchemaAttribute[] = [
  attribute('id', 'string', 'A unique identifier for a SCIM resource as defined by the service provider.', {
    ...readOnly,
    required: true,
    caseExact: true,
    returned: 'always',
    uniqueness: 'server',
  }),
  attribute('externalId', 'string', 'A String that is an identifier for the resource as defined by the provisioning client.', { caseExact: true }),
  attribute('meta', 'complex', 'A complex attribute containing resource metadata.', {
    ...readOnly,
    subAttributes: [
      attribute('resourceType', 'string', 'The name of the resource type of the resource.', { ...readOnly, caseExact: true }),
      attribute('created', 'dateTime', 'The DateTime that the resource was added to the service provider.', readOnly),
      attribute('lastModified', 'dateTime', 'The most recent DateTime that the details of this resource were updated.', readOnly),
      attribute('location', 'reference', 'The URI of the resource being returned.', { ...readOnly, caseExact: true, referenceTypes: ['uri'] }),
      attribute('version', 'string', 'The version of the resource being returned (its ETag).', { ...readOnly, caseExact: true }),
    ],
  }),
];
