/**
 * GET /Users, /Groups (RFC 7644 §3.4.2) and GET /Users/{id}, /Groups/{id} (§3.4.1).
 *
 * LDAP has no "skip n": an index page (startIndex) is read by streaming the search and
 * keeping only the requested window, counting the rest for totalResults (REQUIRED by
 * §3.4.2). Memory holds one page; time grows with the matches. Cursor pages continue the
 * walk's open search instead (list-cursor.ts), so a walk by cursor reads the directory
 * once. The engine reads whole directories through /Delta, not through this listing. A
 * directory changing between pages can shift items (RFC 7644 §3.4.2.4 allows it).
 */
import { isGuid } from '../../ad/decode.ts';
import { parseAttributeSelection, selectAttributes, type AttributeSelection } from '../../scim/attribute-selection.ts';
import { parseFilter, type Filter } from '../../scim/filter.ts';
import { listResponse, type ListResponse } from '../../scim/list-response.ts';
import { parsePaging } from '../../scim/paging.ts';
import { scimErrors } from '../../scim/scim-error.ts';
import type { AdObject } from '../../core/ad-object.ts';
import type { ScimServiceContext } from './context.ts';
import { cursorPage } from './list-cursor.ts';
import { filterToLdap } from './filter-to-ldap.ts';
import { MemberResolver } from './member-resolver.ts';
import type { ServedType } from './resource-types.ts';

type Query = Readonly<Record<string, string | undefined>>;

export async function listResources(ctx: ScimServiceContext, type: ServedType, query: Query): Promise<ListResponse<Record<string, unknown>>> {
  const paging = parsePaging(query, ctx);
  const selection = parseAttributeSelection(query);
  const filter = query.filter === undefined ? undefined : parseFilter(query.filter);
  const ldapFilter = filter === undefined ? '(objectClass=*)' : filterToLdap(filter, type);
  const matches = (options?: { count: boolean }) => matching(ctx, type, filter, ldapFilter, options?.count === true);

  let window: readonly AdObject[];
  let page: { totalResults: number; startIndex?: number; nextCursor?: string };
  if (paging.mode === 'cursor') {
    const found = await cursorPage(ctx, type, query.filter, paging.cursor, paging.count, matches);
    window = found.objects;
    page = { totalResults: found.totalResults, ...(found.nextCursor === undefined ? {} : { nextCursor: found.nextCursor }) };
  } else {
    const offset = paging.startIndex - 1;
    const kept: AdObject[] = [];
    let total = 0;
    for await (const object of matches()) {
      if (total >= offset && kept.length < paging.count) kept.push(object);
      total += 1;
    }
    window = kept;
    page = { totalResults: total, startIndex: paging.startIndex };
  }
  const resolver = new MemberResolver(ctx.source);
  const members = wantsMembers(selection, type);
  if (members || type.name === 'User') await resolver.prefetch(window.map((object) => ({ object })));
  const resources: Record<string, unknown>[] = [];
  for (const object of window) {
    resources.push(selectAttributes(await type.build(object, { partial: false, resolver, members }), type.schemas, selection));
  }
  return listResponse(resources, page);
}

/**
 * The objects a filter matches. `id eq "<guid>"` alone is answered by a read by GUID:
 * one base-object read instead of a paged search.
 */
async function* matching(ctx: ScimServiceContext, type: ServedType, filter: Filter | undefined, ldapFilter: string, countOnly = false): AsyncIterable<AdObject> {
  if (filter?.op === 'eq' && filter.attrPath.toLowerCase() === 'id' && typeof filter.compValue === 'string' && isGuid(filter.compValue)) {
    const object = await ctx.source.readObject({ objectGuid: filter.compValue.toLowerCase() });
    if (object && object.objectClass === type.adClass) yield object;
    return;
  }
  yield* ctx.source.search({ filter: ldapFilter, classes: [type.adClass], pageSize: Math.min(ctx.maxPageSize, 1000), ...(countOnly ? { attributes: [] } : {}) });
}

export async function getResource(ctx: ScimServiceContext, type: ServedType, id: string, query: Query): Promise<Record<string, unknown>> {
  const selection = parseAttributeSelection(query);
  if (!isGuid(id)) throw scimErrors.invalidValue(`"${id}" is not a ${type.name} id: ids are objectGUIDs (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
  const object = await ctx.source.readObject({ objectGuid: id.toLowerCase() });
  if (!object || object.objectClass !== type.adClass) throw scimErrors.notFound(`${type.name} ${id} not found`);
  const resource = await type.build(object, { partial: false, resolver: new MemberResolver(ctx.source), members: wantsMembers(selection, type) });
  return selectAttributes(resource, type.schemas, selection);
}

/** Whether the selection returns `members` (RFC 7644 §3.9), so resolving them is worth it. */
function wantsMembers(selection: AttributeSelection, type: ServedType): boolean {
  const names = (paths: readonly string[] | undefined) =>
    (paths ?? []).map((path) => path.toLowerCase().replace(`${type.coreSchema.toLowerCase()}:`, '').split('.')[0]);
  if (selection.attributes) return names(selection.attributes).includes('members');
  return !names(selection.excludedAttributes).includes('members');
}
