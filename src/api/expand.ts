/**
 * $expand of a directory object's navigation properties: manager, directReports and memberOf
 * of a user, members and memberOf of a group, each with an optional nested $select
 * (`manager($select=id,displayName)`). An expanded collection holds at most EXPAND_LIMIT
 * objects, as Graph's does ("$expand … returns up to 20 objects"), so one object's expansion
 * is one bounded page read whatever the size of the group.
 */
import type { DirectoryStore } from '../directory/store.ts';
import type { DirectoryGroup, DirectoryUser, MemberObject } from '../directory/types.ts';
import { badRequest, unsupportedQuery } from './errors.ts';
import { GROUP_RESOURCE, MEMBER_RESOURCE, USER_RESOURCE, parseSelect, selectFor, serialize, type GraphResource } from './resources.ts';

export type Navigation = 'manager' | 'directReports' | 'memberOf' | 'members';

/** Graph's bound on the objects of one expanded collection. */
export const EXPAND_LIMIT = 20;

export interface ExpandItem {
  readonly name: Navigation;
  readonly select?: readonly string[];
}

const TARGET: Record<Navigation, GraphResource> = { manager: USER_RESOURCE, directReports: USER_RESOURCE, memberOf: GROUP_RESOURCE, members: MEMBER_RESOURCE };

/** Splits on commas outside parentheses. */
function topLevelItems(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items.map((s) => s.trim()).filter(Boolean);
}

export function parseExpand(owner: GraphResource, allowed: readonly Navigation[], text: string): readonly ExpandItem[] {
  if (text.length > 1024) throw badRequest('Invalid $expand: longer than 1024 characters.');
  const items = topLevelItems(text);
  if (items.length > allowed.length) throw badRequest(`Invalid $expand: at most ${allowed.length} navigation properties.`);
  return items.map((item) => {
    const match = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(item);
    if (!match) throw badRequest(`Parsing OData Select and Expand failed: syntax error in '${item}'.`);
    const name = allowed.find((n) => n.toLowerCase() === match[1]!.toLowerCase());
    if (!name) {
      throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${match[1]}' on type 'microsoft.graph.${owner.name}'.`);
    }
    let select: readonly string[] | undefined;
    for (const option of (match[2] ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
      const nested = /^\$?select=(.*)$/is.exec(option);
      if (!nested) throw unsupportedQuery(`The nested query option '${option}' of $expand is not supported; use $select.`);
      select = parseSelect(TARGET[name], nested[1]);
    }
    return { name, select };
  });
}

function memberJson(member: MemberObject, select: readonly string[] | undefined): Record<string, unknown> {
  return member.memberType === 'user'
    ? serialize(USER_RESOURCE, member.object, selectFor(USER_RESOURCE, select), { odataType: true })
    : serialize(GROUP_RESOURCE, member.object, selectFor(GROUP_RESOURCE, select), { odataType: true });
}

/** The expanded navigation properties of one object, to spread into its JSON. */
export async function expandObject(
  store: DirectoryStore,
  tenantId: string,
  object: DirectoryUser | DirectoryGroup,
  items: readonly ExpandItem[],
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const page = { limit: EXPAND_LIMIT };
  for (const { name, select } of items) {
    switch (name) {
      case 'manager': {
        // Graph leaves the property out when there is no manager.
        const managerId = (object as DirectoryUser).managerId ?? null;
        const manager = managerId === null ? undefined : await store.getUser(tenantId, managerId);
        if (manager) out.manager = serialize(USER_RESOURCE, manager, select, { odataType: true });
        break;
      }
      case 'directReports': {
        const reports = await store.listUsers(tenantId, { ...page, filter: { op: 'eq', property: 'managerId', value: object.id } });
        out.directReports = reports.items.map((user) => serialize(USER_RESOURCE, user, select, { odataType: true }));
        break;
      }
      case 'memberOf': {
        const groups = await store.listMemberOf(tenantId, object.id, page);
        out.memberOf = groups.items.map((group) => serialize(GROUP_RESOURCE, group, select, { odataType: true }));
        break;
      }
      case 'members': {
        const members = await store.listGroupMembers(tenantId, object.id, page);
        out.members = members.items.map((member) => memberJson(member, select));
        break;
      }
    }
  }
  return out;
}

/**
 * The expansions of a list page, in the page's order. memberOf and members are read for the
 * whole page at once (one store read each, capped per object), managers in one `id in (…)`
 * read; directReports, rarer on lists, per object.
 */
export async function expandPage(
  store: DirectoryStore,
  tenantId: string,
  objects: readonly (DirectoryUser | DirectoryGroup)[],
  items: readonly ExpandItem[],
): Promise<Record<string, unknown>[]> {
  const out = objects.map((): Record<string, unknown> => ({}));
  if (items.length === 0 || objects.length === 0) return out;
  const ids = objects.map((o) => o.id);
  for (const { name, select } of items) {
    switch (name) {
      case 'manager': {
        const managerIds = [...new Set(objects.map((o) => (o as DirectoryUser).managerId ?? null).filter((id): id is string => id !== null))];
        const managers = new Map<string, DirectoryUser>();
        if (managerIds.length > 0) {
          const page = await store.listUsers(tenantId, { limit: managerIds.length, filter: { op: 'in', property: 'id', values: managerIds } });
          for (const manager of page.items) managers.set(manager.id, manager);
        }
        objects.forEach((object, i) => {
          const manager = managers.get((object as DirectoryUser).managerId ?? '');
          if (manager) out[i]!.manager = serialize(USER_RESOURCE, manager, select, { odataType: true });
        });
        break;
      }
      case 'memberOf': {
        const parents = await store.listMemberOfMany(tenantId, ids, EXPAND_LIMIT);
        ids.forEach((id, i) => {
          out[i]!.memberOf = (parents.get(id) ?? []).map((group) => serialize(GROUP_RESOURCE, group, select, { odataType: true }));
        });
        break;
      }
      case 'members': {
        const members = await store.listGroupMembersMany(tenantId, ids, EXPAND_LIMIT);
        ids.forEach((id, i) => {
          out[i]!.members = (members.get(id) ?? []).map((member) => memberJson(member, select));
        });
        break;
      }
      case 'directReports': {
        for (const [i, object] of objects.entries()) Object.assign(out[i]!, await expandObject(store, tenantId, object, [{ name, select }]));
        break;
      }
    }
  }
  return out;
}
