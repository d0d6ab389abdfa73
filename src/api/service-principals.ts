/**
 * /v1.0/servicePrincipals: the tenant's few service principals, among them cloud sync's
 * ("Active Directory to Azure Active Directory Provisioning"), found as Entra's docs do with
 * `$filter=startswith(displayName,'…')`. A tenant holds a handful, so the filter is
 * evaluated here rather than in the store.
 */
import type { FastifyInstance } from 'fastify';
import { LAMBDA_ELEMENT, type DirectoryStore, type Predicate } from '../directory/store.ts';
import { READ_DIRECTORY, requireRole } from './authentication.ts';
import { badRequest, notFound } from './errors.ts';
import { collectionBody, contextUrl, entitySelect, parseCollectionQuery } from './paging.ts';
import { SERVICE_PRINCIPAL_RESOURCE, serialize, servicePrincipalView } from './resources.ts';

const READ_SERVICE_PRINCIPALS = ['Application.Read.All', 'Application.ReadWrite.All', 'Synchronization.Read.All', 'Synchronization.ReadWrite.All', ...READ_DIRECTORY];

/** Graph compares strings case-insensitively; ids exactly. */
function fold(property: string, value: unknown): unknown {
  const kind = property === LAMBDA_ELEMENT ? 'string' : SERVICE_PRINCIPAL_RESOURCE.properties[property];
  if (kind === 'datetime' && typeof value === 'string') return Date.parse(value);
  return typeof value === 'string' && kind === 'string' ? value.toLowerCase() : value;
}

/** The store's Predicate over one in-memory record, with the adapters' semantics (store.ts). */
export function matches(record: Record<string, unknown>, predicate: Predicate): boolean {
  switch (predicate.op) {
    case 'and':
      return predicate.operands.every((p) => matches(record, p));
    case 'or':
      return predicate.operands.some((p) => matches(record, p));
    case 'not':
      return !matches(record, predicate.operand);
    case 'any':
    case 'all': {
      const elements = Array.isArray(record[predicate.property]) ? (record[predicate.property] as unknown[]) : [];
      const test = (element: unknown) => matches({ [LAMBDA_ELEMENT]: element }, predicate.where);
      return predicate.op === 'any' ? elements.some(test) : elements.every(test);
    }
    default:
      break;
  }
  const actual = fold(predicate.property, record[predicate.property] ?? null);
  switch (predicate.op) {
    case 'eq':
      return actual === fold(predicate.property, predicate.value);
    case 'ne':
      return actual !== fold(predicate.property, predicate.value);
    case 'in':
      return predicate.values.some((v) => actual === fold(predicate.property, v));
    case 'startswith':
      return typeof actual === 'string' && actual.startsWith(String(fold(predicate.property, predicate.value)));
    case 'endswith':
      return typeof actual === 'string' && actual.endsWith(String(fold(predicate.property, predicate.value)));
    case 'contains':
      return typeof actual === 'string' && actual.includes(String(fold(predicate.property, predicate.value)));
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      const expected = fold(predicate.property, predicate.value);
      if (actual === null || typeof actual !== typeof expected) return false;
      const order = (actual as string | number) < (expected as string | number) ? -1 : actual === expected ? 0 : 1;
      return predicate.op === 'gt' ? order > 0 : predicate.op === 'ge' ? order >= 0 : predicate.op === 'lt' ? order < 0 : order <= 0;
    }
  }
}

export async function servicePrincipalsRoutes(app: FastifyInstance, options: { store: DirectoryStore }): Promise<void> {
  const { store } = options;

  app.get('/servicePrincipals', async (request) => {
    const { tenantId } = requireRole(request, READ_SERVICE_PRINCIPALS);
    const q = parseCollectionQuery(request, SERVICE_PRINCIPAL_RESOURCE);
    const all = (await store.listServicePrincipals(tenantId))
      .map(servicePrincipalView)
      .filter((sp) => !q.filter || matches(sp, q.filter));
    const start = q.cursor === undefined ? 0 : all.findIndex((sp) => sp.id > q.cursor!);
    const page = start < 0 ? [] : all.slice(start, start + q.top);
    const cursor = start >= 0 && start + q.top < all.length ? page[page.length - 1]!.id : undefined;
    const items = page.map((sp) => serialize(SERVICE_PRINCIPAL_RESOURCE, sp, q.select));
    return collectionBody(request, contextUrl(request, 'servicePrincipals', q.select), items, cursor, q.count ? all.length : undefined);
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>('/servicePrincipals/:id', async (request) => {
    const { tenantId } = requireRole(request, READ_SERVICE_PRINCIPALS);
    const select = entitySelect(request, SERVICE_PRINCIPAL_RESOURCE);
    const sp = await store.getServicePrincipal(tenantId, request.params.id);
    if (!sp) throw notFound(request.params.id);
    return { '@odata.context': contextUrl(request, 'servicePrincipals/$entity', select), ...serialize(SERVICE_PRINCIPAL_RESOURCE, servicePrincipalView(sp), select) };
  });

  // The alternate key servicePrincipals(appId='{appId}') (Graph "Get servicePrincipal").
  // The router ends the parameter at the path's end, so the quotes and parenthesis come with it.
  app.get<{ Params: { key: string }; Querystring: Record<string, string> }>('/servicePrincipals(appId=:key', async (request) => {
    const { tenantId } = requireRole(request, READ_SERVICE_PRINCIPALS);
    const match = /^'([^']*)'\)$/.exec(decodeURIComponent(request.params.key));
    if (!match) throw badRequest("The alternate key must be written servicePrincipals(appId='{appId}').");
    const select = entitySelect(request, SERVICE_PRINCIPAL_RESOURCE);
    const appId = match[1]!.toLowerCase();
    const sp = (await store.listServicePrincipals(tenantId)).find((candidate) => candidate.appId.toLowerCase() === appId);
    if (!sp) throw notFound(match[1]!);
    return { '@odata.context': contextUrl(request, 'servicePrincipals/$entity', select), ...serialize(SERVICE_PRINCIPAL_RESOURCE, servicePrincipalView(sp), select) };
  });
}
