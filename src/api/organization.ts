/**
 * /organization: the caller's tenant; naming any other tenant id is refused (403). PATCH
 * sets onPremisesSyncEnabled, the walkthrough's first step ("Enable tenant flags",
 * Update-MgBetaOrganization); other properties are refused by name, never ignored.
 */
import type { FastifyInstance } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import { verifiedDomainsOf } from './auth/tenant-names.ts';
import { principalOf, requireRole, sameTenant, WRITE_DIRECTORY } from './authentication.ts';
import { accessDenied, notFound, requestBadRequest } from './errors.ts';
import { contextUrl } from './paging.ts';

const WRITE_ORGANIZATION = ['Organization.ReadWrite.All', ...WRITE_DIRECTORY];

function parsePatch(body: unknown): { onPremisesSyncEnabled: boolean | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw requestBadRequest('The request body must be an organization object.');
  const entries = Object.entries(body).filter(([key]) => !key.startsWith('@odata.'));
  for (const [key] of entries) {
    if (key !== 'onPremisesSyncEnabled') throw requestBadRequest(`The property '${key}' of an organization cannot be changed here; only onPremisesSyncEnabled can.`);
  }
  const value = (body as { onPremisesSyncEnabled?: unknown }).onPremisesSyncEnabled;
  if (value !== true && value !== false && value !== null) throw requestBadRequest('onPremisesSyncEnabled must be true, false or null.');
  return { onPremisesSyncEnabled: value };
}

export async function organizationRoutes(app: FastifyInstance, options: { store: DirectoryStore }): Promise<void> {
  const { store } = options;
  const organization = async (tenantId: string) => {
    const tenant = await store.getTenant(tenantId);
    if (!tenant) throw notFound(tenantId);
    const domains = await verifiedDomainsOf(store, tenantId);
    return {
      id: tenant.id,
      displayName: tenant.displayName,
      createdDateTime: tenant.createdDateTime,
      tenantType: 'AAD',
      onPremisesSyncEnabled: tenant.onPremisesSyncEnabled ?? null,
      verifiedDomains: domains.map((name, i) => ({ capabilities: 'None', isDefault: i === 0, isInitial: false, name, type: 'Managed' })),
    };
  };

  app.get('/organization', async (request) => {
    const { tenantId } = principalOf(request);
    return { '@odata.context': contextUrl(request, 'organization'), value: [await organization(tenantId)] };
  });

  app.get<{ Params: { id: string } }>('/organization/:id', async (request) => {
    const { tenantId } = principalOf(request);
    if (!sameTenant(request.params.id, tenantId)) throw accessDenied();
    return { '@odata.context': contextUrl(request, 'organization/$entity'), ...(await organization(tenantId)) };
  });

  app.patch<{ Params: { id: string } }>('/organization/:id', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_ORGANIZATION);
    if (!sameTenant(request.params.id, tenantId)) throw accessDenied();
    const changes = parsePatch(request.body);
    const found = await store.transaction((tx) => tx.updateTenant(tenantId, changes));
    if (!found) throw notFound(tenantId);
    return reply.code(204).send();
  });
}
