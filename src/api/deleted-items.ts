/**
 * /v1.0/directory/deletedItems: users and groups in the 30-day recycle bin (soft delete),
 * read and restored (Graph "directory: deletedItems", "deletedItems: restore").
 */
import type { FastifyInstance } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import { READ_DIRECTORY, READ_USERS, WRITE_DIRECTORY, WRITE_USERS, requireRole } from './authentication.ts';
import { notFound, requestBadRequest } from './errors.ts';
import { collectionBody, contextUrl, entitySelect, parseCollectionQuery } from './paging.ts';
import { GROUP_RESOURCE, USER_RESOURCE, serialize, type GraphResource } from './resources.ts';

type IdParams = { Params: { id: string }; Querystring: Record<string, string> };

/** deletedDateTime is what the recycle bin is about: always returned there. */
const withDeletedTime = (resource: GraphResource, select: readonly string[] | undefined) =>
  [...(select ?? resource.defaultSelect), 'deletedDateTime'].filter((v, i, all) => all.indexOf(v) === i);

export async function deletedItemsRoutes(app: FastifyInstance, options: { store: DirectoryStore }): Promise<void> {
  const { store } = options;
  const readers = [...READ_USERS, ...READ_DIRECTORY];

  for (const resource of [USER_RESOURCE, GROUP_RESOURCE]) {
    app.get(`/directory/deletedItems/microsoft.graph.${resource.name}`, async (request) => {
      const { tenantId } = requireRole(request, readers);
      const q = parseCollectionQuery(request, resource);
      const query = { limit: q.top, cursor: q.cursor, filter: q.filter, deleted: true };
      const page = resource === USER_RESOURCE ? await store.listUsers(tenantId, query) : await store.listGroups(tenantId, query);
      const count = !q.count ? undefined
        : resource === USER_RESOURCE ? await store.countUsers(tenantId, query) : await store.countGroups(tenantId, query);
      const items = page.items.map((object) => serialize(resource, object, withDeletedTime(resource, q.select)));
      return collectionBody(request, contextUrl(request, `directoryObjects/microsoft.graph.${resource.name}`), items, page.cursor, count);
    });
  }

  async function deletedById(tenantId: string, id: string) {
    const user = await store.getUser(tenantId, id, { includeDeleted: true });
    if (user?.deletedDateTime) return { resource: USER_RESOURCE, object: user };
    const group = await store.getGroup(tenantId, id, { includeDeleted: true });
    if (group?.deletedDateTime) return { resource: GROUP_RESOURCE, object: group };
    throw notFound(id);
  }

  app.get<IdParams>('/directory/deletedItems/:id', async (request) => {
    const { tenantId } = requireRole(request, readers);
    const { resource, object } = await deletedById(tenantId, request.params.id);
    const select = entitySelect(request, resource);
    return { '@odata.context': contextUrl(request, 'directoryObjects/$entity'), ...serialize(resource, object, withDeletedTime(resource, select), { odataType: true }) };
  });

  app.post<IdParams>('/directory/deletedItems/:id/restore', async (request) => {
    const { tenantId } = requireRole(request, [...WRITE_USERS, ...WRITE_DIRECTORY]);
    const { resource, object } = await deletedById(tenantId, request.params.id);
    if (resource === USER_RESOURCE) {
      // Entra refuses a restore whose UPN a live user has taken meanwhile.
      const holder = await store.findUser(tenantId, { userPrincipalName: (object as { userPrincipalName: string }).userPrincipalName });
      if (holder && holder.id !== object.id && holder.deletedDateTime === null) {
        throw requestBadRequest('Another object with the same value for property userPrincipalName already exists.');
      }
      await store.transaction((tx) => tx.restoreUsers(tenantId, [object.id]));
    } else {
      await store.transaction((tx) => tx.restoreGroups(tenantId, [object.id]));
    }
    const restored = resource === USER_RESOURCE ? await store.getUser(tenantId, object.id) : await store.getGroup(tenantId, object.id);
    return { '@odata.context': contextUrl(request, 'directoryObjects/$entity'), ...serialize(resource, restored!, undefined, { odataType: true }) };
  });
}
