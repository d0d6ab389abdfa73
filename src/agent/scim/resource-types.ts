/** The two resource types the agent serves and what each needs: schemas, AD class, filter map, builder. */
import type { AdObject, AdObjectClass } from '../../core/ad-object.ts';
import type { ResourceSchemas } from '../../scim/attribute-selection.ts';
import { groupSchema, userSchema } from '../../scim/schemas-core.ts';
import { adObjectSchema, enterpriseUserSchema } from '../../scim/schemas-extensions.ts';
import { CORE_GROUP, CORE_USER } from '../../scim/urns.ts';
import { groupFilterMap, userFilterMap, type FilterMapping } from './filter-map.ts';
import { groupResource, userResource, type BuildOptions, type ScimResource } from './resources.ts';

export interface ServedType {
  readonly name: 'User' | 'Group';
  readonly adClass: AdObjectClass;
  readonly coreSchema: string;
  readonly schemas: ResourceSchemas;
  readonly map: ReadonlyMap<string, FilterMapping>;
  readonly build: (object: AdObject, options: BuildOptions) => Promise<ScimResource>;
}

export const USERS: ServedType = {
  name: 'User',
  adClass: 'user',
  coreSchema: CORE_USER,
  schemas: { core: userSchema, extensions: [enterpriseUserSchema, adObjectSchema] },
  map: userFilterMap,
  build: userResource,
};

export const GROUPS: ServedType = {
  name: 'Group',
  adClass: 'group',
  coreSchema: CORE_GROUP,
  schemas: { core: groupSchema, extensions: [adObjectSchema] },
  map: groupFilterMap,
  build: groupResource,
};

export function servedTypeOf(object: Pick<AdObject, 'objectClass'>): ServedType | undefined {
  if (object.objectClass === 'user') return USERS;
  if (object.objectClass === 'group') return GROUPS;
  return undefined;
}
