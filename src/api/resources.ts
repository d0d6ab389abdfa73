/**
 * The Graph shapes of directory objects: which properties a resource exposes, which it returns
 * when no $select is given (Graph returns a reduced default set for users, everything for
 * groups), and the serialisation of store records with `$select`.
 */
import { COMMON_PROPERTIES, GROUP_PROPERTIES, USER_PROPERTIES, type PropertyKind } from '../directory/properties.ts';
import type { DirectoryGroup, DirectoryUser, ServicePrincipal } from '../directory/types.ts';
import { badRequest } from './errors.ts';
import { checkSelectBounds } from './odata-limits.ts';
import { extensionValue, isExtensionName } from './directory-extensions.ts';
import { GROUP_UNSTORED, SERVICE_PRINCIPAL_UNSTORED, USER_UNSTORED, unstoredValue, type UnstoredProperty } from './graph-properties.ts';

export interface GraphResource {
  /** `user`, as in microsoft.graph.user. */
  readonly name: 'user' | 'group' | 'directoryObject' | 'servicePrincipal';
  /** Exposed properties and their kinds, by their Graph name. */
  readonly properties: Readonly<Record<string, PropertyKind>>;
  /** Graph properties not stored: selectable, answering null, [] or a computed value (graph-properties.ts). */
  readonly unstored: Readonly<Record<string, UnstoredProperty>>;
  readonly defaultSelect: readonly string[];
}

function exposed(properties: Readonly<Record<string, PropertyKind>>, internal: readonly string[], extra: Record<string, PropertyKind> = {}): Record<string, PropertyKind> {
  const result: Record<string, PropertyKind> = { ...COMMON_PROPERTIES, ...extra };
  for (const [name, kind] of Object.entries(properties)) if (!internal.includes(name)) result[name] = kind;
  return result;
}

// preferredLanguage is not synced by cloud sync; Graph returns it by default, so it is null here.
// onPremisesExtensionAttributes is stored as JSON text and shown as Graph's complex type (graph-properties.ts).
const USER_EXPOSED = exposed(USER_PROPERTIES, ['managerId', 'directoryExtensions', 'onPremisesExtensionAttributes'], { preferredLanguage: 'string' });

export const USER_RESOURCE: GraphResource = Object.freeze({
  name: 'user',
  properties: USER_EXPOSED,
  unstored: USER_UNSTORED,
  // Graph v1.0 "user resource type": the properties returned without $select.
  defaultSelect: ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'],
});

const GROUP_EXPOSED = exposed(GROUP_PROPERTIES, ['sourceAnchor', 'onPremisesDistinguishedName']);

export const GROUP_RESOURCE: GraphResource = Object.freeze({
  name: 'group',
  properties: GROUP_EXPOSED,
  unstored: GROUP_UNSTORED,
  defaultSelect: Object.keys(GROUP_EXPOSED),
});

export const SERVICE_PRINCIPAL_RESOURCE: GraphResource = Object.freeze<GraphResource>({
  name: 'servicePrincipal',
  properties: {
    id: 'id', appId: 'id', displayName: 'string', appDisplayName: 'string', servicePrincipalNames: 'strings',
    accountEnabled: 'boolean', appOwnerOrganizationId: 'id', applicationTemplateId: 'id', servicePrincipalType: 'string',
    signInAudience: 'string', tags: 'strings', createdDateTime: 'datetime', description: 'string', notes: 'string',
    homepage: 'string', loginUrl: 'string', replyUrls: 'strings', alternativeNames: 'strings', appRoleAssignmentRequired: 'boolean',
  },
  unstored: SERVICE_PRINCIPAL_UNSTORED,
  defaultSelect: [
    'id', 'accountEnabled', 'appDisplayName', 'appId', 'applicationTemplateId', 'appOwnerOrganizationId', 'createdDateTime',
    'displayName', 'servicePrincipalNames', 'servicePrincipalType', 'signInAudience', 'tags',
  ],
});

/**
 * A stored service principal with the Graph properties it has by construction: enabled, an
 * application of the tenant, no tags. Serialised and filtered as this view.
 */
export function servicePrincipalView(sp: ServicePrincipal): ServicePrincipal & Record<string, unknown> {
  return {
    ...sp,
    accountEnabled: true,
    appOwnerOrganizationId: sp.tenantId,
    applicationTemplateId: sp.applicationTemplateId ?? null,
    servicePrincipalType: 'Application',
    signInAudience: 'AzureADMyOrg',
    tags: [],
    appRoleAssignmentRequired: false,
  };
}

/** Members of a group are users or groups: $select may name properties of either. */
export const MEMBER_RESOURCE: GraphResource = Object.freeze({
  name: 'directoryObject',
  properties: { ...GROUP_EXPOSED, ...USER_EXPOSED },
  unstored: { ...GROUP_UNSTORED, ...USER_UNSTORED },
  defaultSelect: [],
});

/** The part of a $select that applies to one resource. */
export function selectFor(resource: GraphResource, select: readonly string[] | undefined): readonly string[] | undefined {
  return select?.filter((name) => name in resource.properties || name in resource.unstored || (hasExtensions(resource) && isExtensionName(name)));
}

/** Users carry directory extensions (and so do the members of a group that are users). */
function hasExtensions(resource: GraphResource): boolean {
  return resource.name === 'user' || resource.name === 'directoryObject';
}

/** Graph matches property names case-insensitively; answers use the canonical spelling. */
export function canonicalProperty(resource: GraphResource, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(resource.properties).find((p) => p.toLowerCase() === lower);
}

/** A Graph property of the resource that the directory does not store, canonically spelt. */
export function canonicalUnstored(resource: GraphResource, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(resource.unstored).find((p) => p.toLowerCase() === lower);
}

export function parseSelect(resource: GraphResource, text: string | undefined): readonly string[] | undefined {
  if (text === undefined) return undefined;
  checkSelectBounds(text);
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return undefined;
  return names.map((name) => {
    const canonical = canonicalProperty(resource, name) ?? canonicalUnstored(resource, name) ?? (hasExtensions(resource) && isExtensionName(name) ? name : undefined);
    if (!canonical) throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${name}' on type 'microsoft.graph.${resource.name}'.`);
    return canonical;
  });
}

export function serialize(
  resource: GraphResource,
  record: DirectoryUser | DirectoryGroup | ServicePrincipal,
  select: readonly string[] | undefined,
  options: { odataType?: boolean } = {},
): Record<string, unknown> {
  const source = record as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (options.odataType) out['@odata.type'] = `#microsoft.graph.${resource.name}`;
  // Graph always returns id, even when $select leaves it out.
  out.id = record.id;
  for (const name of select ?? resource.defaultSelect) {
    if (name === 'id') continue;
    if (hasExtensions(resource) && isExtensionName(name) && !(name in resource.properties)) {
      out[name] = extensionValue(source.directoryExtensions, name);
      continue;
    }
    const unstored = resource.properties[name] === undefined ? resource.unstored[name] : undefined;
    out[name] = unstored !== undefined ? unstoredValue(unstored, source) : source[name] ?? (resource.properties[name] === 'strings' ? [] : null);
  }
  return out;
}
