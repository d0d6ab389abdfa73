/** /v1.0/users: list, get by id or UPN, memberOf, manager, create (cloud-only), update, delete. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import type { DirectoryUser } from '../directory/types.ts';
import { READ_GROUPS, READ_USERS, WRITE_USERS, requireRole } from './authentication.ts';
import { ON_PREMISES_MASTERED_MESSAGE, notFound, requestBadRequest } from './errors.ts';
import { RELATIONSHIP_QUERY, collectionBody, contextUrl, entityQuery, entitySelect, isEventuallyConsistent, parseCollectionQuery, type CollectionOptions } from './paging.ts';
import { expandObject, expandPage, type Navigation } from './expand.ts';
import { GROUP_RESOURCE, USER_RESOURCE, serialize } from './resources.ts';
import { mergeExtensionAttributes, parseUserBody, touchesOnPremisesMastered } from './user-body.ts';
import { isCanopyError } from '../core/errors.ts';

type IdParams = { Params: { id: string }; Querystring: Record<string, string> };

const USER_NAVIGATIONS: readonly Navigation[] = ['manager', 'directReports', 'memberOf'];
/** Graph: users sort by displayName and userPrincipalName by default; $search on their names and mail. */
const USERS_QUERY: CollectionOptions = {
  orderBy: ['displayName', 'userPrincipalName'],
  search: ['displayName', 'givenName', 'surname', 'mail', 'mailNickname', 'userPrincipalName', 'jobTitle', 'department', 'employeeId'],
  expand: USER_NAVIGATIONS,
};

/** `/users/{id | userPrincipalName}`: a key with `@` is a UPN (Graph accepts both). */
export async function userByKey(store: DirectoryStore, tenantId: string, key: string): Promise<DirectoryUser> {
  const user = key.includes('@')
    ? await store.findUser(tenantId, { userPrincipalName: key })
    : await store.getUser(tenantId, key);
  if (!user || user.deletedDateTime !== null) throw notFound(key);
  return user;
}

function countQuery(request: FastifyRequest): void {
  // GET …/$count is an advanced query: without ConsistencyLevel Graph answers 400.
  if (!isEventuallyConsistent(request)) throw requestBadRequest('$count is not currently supported.');
}

export async function usersRoutes(app: FastifyInstance, options: { store: DirectoryStore }): Promise<void> {
  const { store } = options;

  app.get('/users', async (request) => {
    const { tenantId } = requireRole(request, READ_USERS);
    const q = parseCollectionQuery(request, USER_RESOURCE, USERS_QUERY);
    const page = await store.listUsers(tenantId, { limit: q.top, cursor: q.cursor, filter: q.filter, orderBy: q.orderBy });
    const count = q.count ? await store.countUsers(tenantId, { filter: q.filter }) : undefined;
    const expanded = await expandPage(store, tenantId, page.items, q.expand);
    const items = page.items.map((user, i) => ({ ...serialize(USER_RESOURCE, user, q.select), ...expanded[i] }));
    return collectionBody(request, contextUrl(request, 'users', q.select), items, page.cursor, count);
  });

  app.get('/users/$count', async (request, reply) => {
    const { tenantId } = requireRole(request, READ_USERS);
    countQuery(request);
    const q = parseCollectionQuery(request, USER_RESOURCE);
    return reply.type('text/plain').send(String(await store.countUsers(tenantId, { filter: q.filter })));
  });

  app.get<IdParams>('/users/:id', async (request) => {
    const { tenantId } = requireRole(request, READ_USERS);
    const { select, expand } = entityQuery(request, USER_RESOURCE, USER_NAVIGATIONS);
    const user = await userByKey(store, tenantId, request.params.id);
    return { '@odata.context': contextUrl(request, 'users/$entity', select), ...serialize(USER_RESOURCE, user, select), ...await expandObject(store, tenantId, user, expand) };
  });

  // memberOf and transitiveMemberOf, as is and cast to groups, each with /$count; $filter on
  // the groups is an advanced query (ConsistencyLevel: eventual and $count=true), as on Graph.
  for (const { segment, transitive } of [{ segment: 'memberOf', transitive: false }, { segment: 'transitiveMemberOf', transitive: true }]) {
    for (const cast of ['', '/microsoft.graph.group']) {
      app.get<IdParams>(`/users/:id/${segment}${cast}`, async (request) => {
        const { tenantId } = requireRole(request, [...READ_USERS, ...READ_GROUPS]);
        const q = parseCollectionQuery(request, GROUP_RESOURCE, RELATIONSHIP_QUERY);
        const user = await userByKey(store, tenantId, request.params.id);
        const query = { transitive, filter: q.filter };
        const page = await store.listMemberOf(tenantId, user.id, { limit: q.top, cursor: q.cursor, ...query });
        const count = q.count ? await store.countMemberOf(tenantId, user.id, query) : undefined;
        const items = page.items.map((group) => serialize(GROUP_RESOURCE, group, q.select, { odataType: true }));
        return collectionBody(request, contextUrl(request, cast ? 'groups' : 'directoryObjects'), items, page.cursor, count);
      });
      app.get<IdParams>(`/users/:id/${segment}${cast}/$count`, async (request, reply) => {
        const { tenantId } = requireRole(request, [...READ_USERS, ...READ_GROUPS]);
        countQuery(request);
        const q = parseCollectionQuery(request, GROUP_RESOURCE, { filter: true });
        const user = await userByKey(store, tenantId, request.params.id);
        return reply.type('text/plain').send(String(await store.countMemberOf(tenantId, user.id, { transitive, filter: q.filter })));
      });
    }
  }

  // Users whose manager is this user, keyset-paged through the manager index.
  for (const cast of ['', '/microsoft.graph.user']) {
    app.get<IdParams>(`/users/:id/directReports${cast}`, async (request) => {
      const { tenantId } = requireRole(request, READ_USERS);
      const q = parseCollectionQuery(request, USER_RESOURCE, RELATIONSHIP_QUERY);
      const user = await userByKey(store, tenantId, request.params.id);
      const reports = { op: 'eq', property: 'managerId', value: user.id } as const;
      const filter = q.filter ? { op: 'and', operands: [reports, q.filter] } as const : reports;
      const page = await store.listUsers(tenantId, { limit: q.top, cursor: q.cursor, filter });
      const count = q.count ? await store.countUsers(tenantId, { filter }) : undefined;
      const items = page.items.map((report) => serialize(USER_RESOURCE, report, q.select, { odataType: true }));
      return collectionBody(request, contextUrl(request, cast ? 'users' : 'directoryObjects'), items, page.cursor, count);
    });
  }

  app.get<IdParams>('/users/:id/manager', async (request) => {
    const { tenantId } = requireRole(request, READ_USERS);
    const user = await userByKey(store, tenantId, request.params.id);
    const manager = user.managerId === null ? undefined : await store.getUser(tenantId, user.managerId);
    if (!manager) throw notFound('manager');
    const select = entitySelect(request, USER_RESOURCE);
    return { '@odata.context': contextUrl(request, 'directoryObjects/$entity'), ...serialize(USER_RESOURCE, manager, select, { odataType: true }) };
  });

  app.post('/users', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_USERS);
    const body = parseUserBody(request.body, 'create');
    const upn = body.changes.userPrincipalName as string;
    if (await store.findUser(tenantId, { userPrincipalName: upn }).then((u) => u && u.deletedDateTime === null)) {
      throw requestBadRequest('Another object with the same value for property userPrincipalName already exists.');
    }
    try {
      const extensionAttributes = body.changes.onPremisesExtensionAttributes;
      const changes = extensionAttributes === undefined ? body.changes : { ...body.changes, onPremisesExtensionAttributes: mergeExtensionAttributes(null, extensionAttributes ?? '{}') };
      const [user] = await store.transaction((tx) => tx.createUsers(tenantId, [{ ...changes, userPrincipalName: upn }]));
      return reply.code(201).send({ '@odata.context': contextUrl(request, 'users/$entity'), ...serialize(USER_RESOURCE, user!, undefined) });
    } catch (error) {
      if (isCanopyError(error, 'ERR_DIRECTORY_CONFLICT')) throw requestBadRequest('Another object with the same value for property userPrincipalName or onPremisesImmutableId already exists.');
      throw error;
    }
  });

  app.patch<IdParams>('/users/:id', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_USERS);
    const body = parseUserBody(request.body, 'update');
    const user = await userByKey(store, tenantId, request.params.id);
    if (user.onPremisesSyncEnabled === true && touchesOnPremisesMastered(body)) throw requestBadRequest(ON_PREMISES_MASTERED_MESSAGE);
    const extensionAttributes = body.changes.onPremisesExtensionAttributes;
    const changes = extensionAttributes === undefined ? body.changes
      : { ...body.changes, onPremisesExtensionAttributes: mergeExtensionAttributes(user.onPremisesExtensionAttributes, extensionAttributes ?? '{}') };
    try {
      await store.transaction((tx) => tx.updateUsers(tenantId, [{ id: user.id, ...changes }]));
    } catch (error) {
      if (isCanopyError(error, 'ERR_DIRECTORY_CONFLICT')) throw requestBadRequest('Another object with the same value for property userPrincipalName already exists.');
      throw error;
    }
    return reply.code(204).send();
  });

  app.delete<IdParams>('/users/:id', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_USERS);
    const user = await userByKey(store, tenantId, request.params.id);
    // A synced user is deleted in AD; the next cycle moves it to deleted items.
    if (user.onPremisesSyncEnabled === true) throw requestBadRequest(ON_PREMISES_MASTERED_MESSAGE);
    await store.transaction((tx) => tx.deleteUsers(tenantId, [user.id]));
    return reply.code(204).send();
  });
}
