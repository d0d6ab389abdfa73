import type { DirectoryGroup, NewGroup } from '../types.ts';
import type { GroupChange, GroupLookup } from '../store.ts';
import { GROUPS } from '../sqlite/groups.ts';
import type { Queryable } from './connect.ts';
import { createObjects, findObjectBy, updateObject } from './objects.ts';

export { GROUPS };

export function createGroups(db: Queryable, tenantId: string, groups: readonly NewGroup[], now: string): Promise<DirectoryGroup[]> {
  return createObjects<DirectoryGroup>(db, GROUPS, tenantId, groups, now);
}

export async function updateGroups(db: Queryable, tenantId: string, changes: readonly GroupChange[]): Promise<DirectoryGroup[]> {
  const updated: DirectoryGroup[] = [];
  for (const change of changes) {
    const group = await updateObject<DirectoryGroup>(db, GROUPS, tenantId, change);
    if (group) updated.push(group);
  }
  return updated;
}

export function findGroup(db: Queryable, tenantId: string, lookup: GroupLookup): Promise<DirectoryGroup | undefined> {
  const [property, value] = Object.entries(lookup)[0] as [string, string];
  return findObjectBy<DirectoryGroup>(db, GROUPS, tenantId, property, value);
}
