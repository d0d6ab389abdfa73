import type { SqliteDatabase } from './open-database.ts';
import type { DirectoryGroup, NewGroup } from '../types.ts';
import type { GroupChange, GroupLookup } from '../store.ts';
import { GROUP_PROPERTIES } from '../properties.ts';
import { createObjects, findObjectBy, updateObject, type ObjectTable } from './objects.ts';

/** Groups synced by cloud sync are security groups: that is the default of a new group. */
export const GROUPS: ObjectTable = Object.freeze({
  table: 'directory_groups',
  properties: GROUP_PROPERTIES,
  defaults: { mailEnabled: false, securityEnabled: true },
});

export function createGroups(db: SqliteDatabase, tenantId: string, groups: readonly NewGroup[], now: string): DirectoryGroup[] {
  return createObjects<DirectoryGroup>(db, GROUPS, tenantId, groups, now);
}

export function updateGroups(db: SqliteDatabase, tenantId: string, changes: readonly GroupChange[]): DirectoryGroup[] {
  const updated: DirectoryGroup[] = [];
  for (const change of changes) {
    const group = updateObject<DirectoryGroup>(db, GROUPS, tenantId, change);
    if (group) updated.push(group);
  }
  return updated;
}

export function findGroup(db: SqliteDatabase, tenantId: string, lookup: GroupLookup): DirectoryGroup | undefined {
  const [property, value] = Object.entries(lookup)[0] as [string, string];
  return findObjectBy<DirectoryGroup>(db, GROUPS, tenantId, property, value);
}
