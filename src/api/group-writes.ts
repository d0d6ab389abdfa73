/**
 * Cloud-only groups through Graph: POST /groups, PATCH and DELETE /groups/{id}, and members by
 * reference (POST /groups/{id}/members/$ref, DELETE /groups/{id}/members/{id}/$ref, and
 * `members@odata.bind` on POST and PATCH; Graph "Create group", "Update group", "Add members",
 * "Remove member"). A group synced from AD is mastered there: its properties and members are
 * read-only, and writes answer Graph's on-premises-mastered 400. Synced users and groups may
 * still be members of cloud groups, as in Entra.
 */
import type { FastifyInstance } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import type { DirectoryGroup, Membership } from '../directory/types.ts';
import { requireRole } from './authentication.ts';
import { ON_PREMISES_MASTERED_MESSAGE, notFound, requestBadRequest } from './errors.ts';
import { contextUrl } from './paging.ts';
import { GROUP_RESOURCE, serialize } from './resources.ts';
import { parseGroupBody, referencedId } from './group-body.ts';

/** Graph: Group.ReadWrite.All or Directory.ReadWrite.All write groups; GroupMember.ReadWrite.All only members. */
const WRITE_GROUPS = ['Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const WRITE_MEMBERS = ['GroupMember.ReadWrite.All', ...WRITE_GROUPS];

type IdParams = { Params: { id: string } };
type MemberParams = { Params: { id: string; memberId: string } };

const ALREADY_MEMBER = "One or more added object references already exist for the following modified properties: 'members'.";

/** A live group that Graph lets a client write: not synced from AD. */
async function cloudGroup(store: DirectoryStore, tenantId: string, id: string): Promise<DirectoryGroup> {
  const group = await store.getGroup(tenantId, id);
  if (!group) throw notFound(id);
  if (group.onPremisesSyncEnabled === true) throw requestBadRequest(ON_PREMISES_MASTERED_MESSAGE);
  return group;
}

/** The live user or group an id names (a `/users/` or `/groups/` URL narrows the kind). */
async function memberOf(store: DirectoryStore, tenantId: string, id: string, kind: 'directoryObjects' | 'users' | 'groups' = 'directoryObjects'): Promise<Membership['memberType']> {
  if (kind !== 'groups' && await store.getUser(tenantId, id)) return 'user';
  if (kind !== 'users' && await store.getGroup(tenantId, id)) return 'group';
  throw notFound(id);
}

/** Memberships for `groupId`: each object must exist, not be the group, and not be a member yet. */
async function newMemberships(store: DirectoryStore, tenantId: string, groupId: string, ids: readonly string[]): Promise<Membership[]> {
  const memberships: Membership[] = [];
  for (const memberId of ids) {
    const memberType = await memberOf(store, tenantId, memberId);
    if (memberId === groupId) throw requestBadRequest('A group cannot be a member of itself.');
    if (await store.countGroupMembers(tenantId, groupId, { memberId }) > 0) throw requestBadRequest(ALREADY_MEMBER);
    memberships.push({ groupId, memberId, memberType });
  }
  return memberships;
}

export async function groupWriteRoutes(app: FastifyInstance, options: { store: DirectoryStore }): Promise<void> {
  const { store } = options;

  app.post('/groups', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_GROUPS);
    const body = parseGroupBody(request.body, 'create');
    // The members are checked before the group exists (it cannot be one of them yet).
    const members = await newMemberships(store, tenantId, '', body.memberIds);
    const group = await store.transaction(async (tx) => {
      const [created] = await tx.createGroups(tenantId, [{ ...body.changes, displayName: body.changes.displayName!, onPremisesSyncEnabled: null }]);
      await tx.addMembers(tenantId, members.map((m) => ({ ...m, groupId: created!.id })));
      return created!;
    });
    return reply.code(201).send({ '@odata.context': contextUrl(request, 'groups/$entity'), ...serialize(GROUP_RESOURCE, group, undefined) });
  });

  app.patch<IdParams>('/groups/:id', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_GROUPS);
    const group = await cloudGroup(store, tenantId, request.params.id);
    const body = parseGroupBody(request.body, 'update');
    const members = await newMemberships(store, tenantId, group.id, body.memberIds);
    await store.transaction(async (tx) => {
      if (Object.keys(body.changes).length > 0) await tx.updateGroups(tenantId, [{ id: group.id, ...body.changes }]);
      await tx.addMembers(tenantId, members);
    });
    return reply.code(204).send();
  });

  app.delete<IdParams>('/groups/:id', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_GROUPS);
    // A synced group is deleted in AD; the next cycle deletes it here.
    const group = await cloudGroup(store, tenantId, request.params.id);
    await store.transaction((tx) => tx.deleteGroups(tenantId, [group.id]));
    return reply.code(204).send();
  });

  app.post<IdParams>('/groups/:id/members/$ref', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_MEMBERS);
    const group = await cloudGroup(store, tenantId, request.params.id);
    const { id, kind } = referencedId((request.body as { '@odata.id'?: unknown } | undefined)?.['@odata.id'], '@odata.id');
    await memberOf(store, tenantId, id, kind);
    const members = await newMemberships(store, tenantId, group.id, [id]);
    await store.transaction((tx) => tx.addMembers(tenantId, members));
    return reply.code(204).send();
  });

  app.delete<MemberParams>('/groups/:id/members/:memberId/$ref', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_MEMBERS);
    const group = await cloudGroup(store, tenantId, request.params.id);
    const { memberId } = request.params;
    if (await store.countGroupMembers(tenantId, group.id, { memberId }) === 0) throw notFound(memberId);
    await store.transaction((tx) => tx.removeMembers(tenantId, [{ groupId: group.id, memberId }]));
    return reply.code(204).send();
  });
}
