/** /v1.0/organization: the caller's tenant; naming any other tenant id is refused (403). */
import type { FastifyInstance } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import { principalOf, sameTenant } from './authentication.ts';
import { accessDenied, notFound } from './errors.ts';
import { contextUrl } from './paging.ts';

export async function organizationRoutes(app: FastifyInstance, options: { store: DirectoryStore }): Promise<void> {
  const organization = async (tenantId: string) => {
    const tenant = await options.store.getTenant(tenantId);
    if (!tenant) throw notFound(tenantId);
    return { id: tenant.id, displayName: tenant.displayName, createdDateTime: tenant.createdDateTime, tenantType: 'AAD' };
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
}
