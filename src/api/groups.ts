/** /v1.0/groups: list, get, members (users and nested groups, each with @odata.type). */
import type { FastifyInstance } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import type { DirectoryGroup } from '../directory/types.ts';
import { READ_GROUPS, requireRole } from './authentication.ts';
import { notFound, requestBadRequest } from './errors.ts';
import { RELATIONSHIP_QUERY, collectionBody, contextUrl, entityQuery, isEventuallyConsistent, parseCollectionQuery, type CollectionOptions } from './paging.ts';
import { expandObject, expandPage, type Navigation } from './expand.ts';
import { GROUP_RESOURCE, MEMBER_RESOURCE, USER_RESOURCE, selectFor, serialize } from './resources.ts';

type IdParams = { Params: { id: string }; Querystring: Record<string, string> };

const GROUP_NAVIGATIONS: readonly Navigation[] = ['members', 'memberOf'];
/** Graph: groups sort by displayName by default; $search on displayName, description, mail. */
const GROUPS_QUERY: CollectionOptions = {
  orderBy: ['displayName'],
  search: ['displayName', 'description', 'mail', 'mailNickname'],
  expand: GROUP_NAVIGATIONS,
};

async function groupById(store: DirectoryStore, tenantId: string, id: string): Promise<DirectoryGroup> {
  const group = await store.getGroup(tenantId, id);
  if (!group) throw notFound(id);
  return group;
}

export async function groupsRoutes(app: FastifyInstance, options: { store: DirectoryStore }): Promise<void> {
  const { store } = options;

  app.get('/groups', async (request) => {
    const { tenantId } = requireRole(request, READ_GROUPS);
    const q = parseCollectionQuery(request, GROUP_RESOURCE, GROUPS_QUERY);
    const page = await store.listGroups(tenantId, { limit: q.top, cursor: q.cursor, filter: q.filter, orderBy: q.orderBy });
    const count = q.count ? await store.countGroups(tenantId, { filter: q.filter }) : undefined;
    const expanded = await expandPage(store, tenantId, page.items, q.expand);
    const items = page.items.map((group, i) => ({ ...serialize(GROUP_RESOURCE, group, q.select), ...expanded[i] }));
    return collectionBody(request, contextUrl(request, 'groups', q.select), items, page.cursor, count);
  });

  app.get('/groups/$count', async (request, reply) => {
    const { tenantId } = requireRole(request, READ_GROUPS);
    if (!isEventuallyConsistent(request)) throw requestBadRequest('$count is not currently supported.');
    const q = parseCollectionQuery(request, GROUP_RESOURCE);
    return reply.type('text/plain').send(String(await store.countGroups(tenantId, { filter: q.filter })));
  });

  app.get<IdParams>('/groups/:id', async (request) => {
    const { tenantId } = requireRole(request, READ_GROUPS);
    const { select, expand } = entityQuery(request, GROUP_RESOURCE, GROUP_NAVIGATIONS);
    const group = await groupById(store, tenantId, request.params.id);
    return { '@odata.context': contextUrl(request, 'groups/$entity', select), ...serialize(GROUP_RESOURCE, group, select), ...await expandObject(store, tenantId, group, expand) };
  });

  // members and transitiveMembers, each as is and cast to users or groups, each with /$count
  // (Graph "List group members", "List group transitive members", OData cast segments).
  for (const { segment, transitive } of [{ segment: 'members', transitive: false }, { segment: 'transitiveMembers', transitive: true }]) {
    for (const cast of [undefined, 'user', 'group'] as const) {
      const path = `/groups/:id/${segment}${cast ? `/microsoft.graph.${cast}` : ''}`;
      const resource = cast === 'user' ? USER_RESOURCE : cast === 'group' ? GROUP_RESOURCE : MEMBER_RESOURCE;
      app.get<IdParams>(path, async (request) => {
        const { tenantId } = requireRole(request, READ_GROUPS);
        const q = parseCollectionQuery(request, resource, RELATIONSHIP_QUERY);
        const group = await groupById(store, tenantId, request.params.id);
        const query = { transitive, memberType: cast, filter: q.filter };
        const page = await store.listGroupMembers(tenantId, group.id, { limit: q.top, cursor: q.cursor, ...query });
        const items = page.items.map((member) => member.memberType === 'user'
          ? serialize(USER_RESOURCE, member.object, selectFor(USER_RESOURCE, q.select), { odataType: true })
          : serialize(GROUP_RESOURCE, member.object, selectFor(GROUP_RESOURCE, q.select), { odataType: true }));
        const count = q.count ? await store.countGroupMembers(tenantId, group.id, query) : undefined;
        return collectionBody(request, contextUrl(request, cast ? `${cast}s` : 'directoryObjects'), items, page.cursor, count);
      });
      app.get<IdParams>(`${path}/$count`, async (request, reply) => {
        const { tenantId } = requireRole(request, READ_GROUPS);
        if (!isEventuallyConsistent(request)) throw requestBadRequest('$count is not currently supported.');
        const q = parseCollectionQuery(request, resource, { filter: true });
        const group = await groupById(store, tenantId, request.params.id);
        return reply.type('text/plain').send(String(await store.countGroupMembers(tenantId, group.id, { transitive, memberType: cast, filter: q.filter })));
      });
    }
  }

  for (const { segment, transitive } of [{ segment: 'memberOf', transitive: false }, { segment: 'transitiveMemberOf', transitive: true }]) {
    for (const cast of ['', '/microsoft.graph.group']) {
      app.get<IdParams>(`/groups/:id/${segment}${cast}`, async (request) => {
        const { tenantId } = requireRole(request, READ_GROUPS);
        const q = parseCollectionQuery(request, GROUP_RESOURCE, RELATIONSHIP_QUERY);
        const group = await groupById(store, tenantId, request.params.id);
        const query = { transitive, filter: q.filter };
        const page = await store.listMemberOf(tenantId, group.id, { limit: q.top, cursor: q.cursor, ...query });
        const count = q.count ? await store.countMemberOf(tenantId, group.id, query) : undefined;
        const items = page.items.map((parent) => serialize(GROUP_RESOURCE, parent, q.select, { odataType: true }));
        return collectionBody(request, contextUrl(request, cast ? 'groups' : 'directoryObjects'), items, page.cursor, count);
      });
      app.get<IdParams>(`/groups/:id/${segment}${cast}/$count`, async (request, reply) => {
        const { tenantId } = requireRole(request, READ_GROUPS);
        if (!isEventuallyConsistent(request)) throw requestBadRequest('$count is not currently supported.');
        const q = parseCollectionQuery(request, GROUP_RESOURCE, { filter: true });
        const group = await groupById(store, tenantId, request.params.id);
        return reply.type('text/plain').send(String(await store.countMemberOf(tenantId, group.id, { transitive, filter: q.filter })));
      });
    }
  }

}
