/**
 * /applicationTemplates: the one template cloud sync needs, and its instantiate action
 * (Graph "applicationTemplate: instantiate"), which makes a cloud sync configuration: an
 * application and its service principal, named by the caller (the portal names it after the
 * AD domain). Each configuration has its own jobs, secrets (Domain among them) and schemas,
 * so a tenant enables several AD domains side by side. The answer is Graph's
 * applicationServicePrincipal: `{ application, servicePrincipal }`, 201 Created.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import type { Application, ServicePrincipal } from '../directory/types.ts';
import { CLOUD_SYNC_APP_DISPLAY_NAME, CLOUD_SYNC_TEMPLATE_APP_ID } from './auth/tenant-setup.ts';
import { READ_DIRECTORY, WRITE_DIRECTORY, requireRole } from './authentication.ts';
import { notFound, requestBadRequest } from './errors.ts';
import { contextUrl } from './paging.ts';
import { SERVICE_PRINCIPAL_RESOURCE, serialize, servicePrincipalView } from './resources.ts';

const WRITE_APPLICATIONS = ['Application.ReadWrite.All', ...WRITE_DIRECTORY];
const READ_APPLICATIONS = ['Application.Read.All', ...WRITE_APPLICATIONS, ...READ_DIRECTORY];

/** Graph applicationTemplate, for the cloud sync template (the only one served). */
const CLOUD_SYNC_TEMPLATE = Object.freeze({
  id: CLOUD_SYNC_TEMPLATE_APP_ID,
  displayName: CLOUD_SYNC_APP_DISPLAY_NAME,
  homePageUrl: null,
  logoUrl: null,
  publisher: 'Canopy',
  description: 'Provisions users and groups from an Active Directory domain (cloud sync configuration).',
  categories: ['identity'],
  supportedProvisioningTypes: ['sync'],
  supportedSingleSignOnModes: ['notSupported'],
});

const MAX_DISPLAY_NAME = 256;

function displayNameOf(body: unknown): string {
  const value = (body as { displayName?: unknown } | undefined)?.displayName;
  if (typeof value !== 'string' || value.trim() === '') throw requestBadRequest("The request body must name the new application: { \"displayName\": \"contoso.com\" }.");
  if (value.length > MAX_DISPLAY_NAME) throw requestBadRequest(`displayName is longer than ${MAX_DISPLAY_NAME} characters.`);
  return value.trim();
}

/** Graph's application shape, as far as a configuration has one (no credentials, no roles). */
export function applicationBody(app: Application): Record<string, unknown> {
  return {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    createdDateTime: app.createdDateTime,
    signInAudience: 'AzureADMyOrg',
    tags: [],
    passwordCredentials: app.passwordCredentials.map((c) => ({ keyId: c.keyId, hint: c.hint, endDateTime: c.endDateTime, displayName: null, secretText: null })),
  };
}

export async function applicationTemplatesRoutes(app: FastifyInstance, options: { store: DirectoryStore }): Promise<void> {
  const { store } = options;
  const template = (id: string) => {
    if (id.toLowerCase() !== CLOUD_SYNC_TEMPLATE_APP_ID) throw notFound(id);
    return CLOUD_SYNC_TEMPLATE;
  };

  app.get('/applicationTemplates', async (request) => {
    requireRole(request, READ_APPLICATIONS);
    return { '@odata.context': contextUrl(request, 'applicationTemplates'), value: [CLOUD_SYNC_TEMPLATE] };
  });

  app.get<{ Params: { id: string } }>('/applicationTemplates/:id', async (request) => {
    requireRole(request, READ_APPLICATIONS);
    return { '@odata.context': contextUrl(request, 'applicationTemplates/$entity'), ...template(request.params.id) };
  });

  app.post<{ Params: { id: string } }>('/applicationTemplates/:id/instantiate', async (request, reply) => {
    const { tenantId } = requireRole(request, WRITE_APPLICATIONS);
    template(request.params.id);
    const displayName = displayNameOf(request.body);
    const now = new Date().toISOString();
    const appId = randomUUID();
    const application: Application = { tenantId, id: randomUUID(), appId, displayName, passwordCredentials: [], roles: [], createdDateTime: now };
    const servicePrincipal: ServicePrincipal = {
      tenantId,
      id: randomUUID(),
      appId,
      displayName,
      appDisplayName: displayName,
      servicePrincipalNames: [appId],
      createdDateTime: now,
      applicationTemplateId: CLOUD_SYNC_TEMPLATE_APP_ID,
    };
    await store.transaction(async (tx) => {
      await tx.createApplication(application);
      await tx.createServicePrincipal(servicePrincipal);
    });
    return reply.code(201).send({
      '@odata.context': contextUrl(request, 'microsoft.graph.applicationServicePrincipal'),
      application: applicationBody(application),
      servicePrincipal: serialize(SERVICE_PRINCIPAL_RESOURCE, servicePrincipalView(servicePrincipal), undefined),
    });
  });
}
