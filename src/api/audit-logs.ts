/**
 * GET /v1.0/auditLogs/provisioning: provisioning logs (provisioningObjectSummary), newest
 * first, filtered as the portal and scripts do: `jobId eq '…'`, `cycleId eq '…'`,
 * `sourceIdentity/id eq '…'`, joined with `and`, and paged with @odata.nextLink.
 */
import type { FastifyInstance } from 'fastify';
import { parseFilter } from 'odata-filter-to-ast';
import type { DirectoryStore, ProvisioningLogQuery } from '../directory/store.ts';
import { requireRole } from './authentication.ts';
import { badRequest, requestBadRequest, unsupportedQuery } from './errors.ts';
import { collectionBody, contextUrl, decodeSkipToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './paging.ts';

const READ_AUDIT = ['AuditLog.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const FIELDS: Record<string, 'jobId' | 'cycleId' | 'sourceId'> = { jobid: 'jobId', cycleid: 'cycleId', sourceidentity_id: 'sourceId' };

interface Node { type: string; left?: Node; right?: Node; value?: unknown }

/**
 * The parser knows no navigation paths, so `sourceIdentity/id` is renamed outside string
 * literals (quotes split the text: even parts are outside) before parsing.
 */
function normalise(filter: string): string {
  return filter.split("'").map((part, i) => (i % 2 === 0 ? part.replace(/sourceIdentity\/id/gi, 'sourceIdentity_id') : part)).join("'");
}

export function parseProvisioningFilter(text: string): Partial<Pick<ProvisioningLogQuery, 'jobId' | 'cycleId' | 'sourceId'>> {
  let ast: Node;
  try {
    ast = parseFilter(normalise(text.trim())) as Node;
  } catch (error) {
    throw badRequest(`Invalid filter clause: ${(error as Error).message}`);
  }
  const result: Record<string, string> = {};
  const visit = (node: Node): void => {
    if (node.type === 'AndExpr') {
      visit(node.left!);
      visit(node.right!);
      return;
    }
    const field = node.type === 'EqExpr' && node.left?.type === 'MemberExpr' ? FIELDS[String(node.left.value).toLowerCase()] : undefined;
    if (!field || node.right?.type !== 'Primitive' || typeof node.right.value !== 'string') {
      throw unsupportedQuery("Unsupported filter: use jobId, cycleId or sourceIdentity/id with eq, joined by and.");
    }
    result[field] = node.right.value;
  };
  visit(ast);
  return result;
}

export async function auditLogRoutes(app: FastifyInstance, options: { store: DirectoryStore }): Promise<void> {
  app.get<{ Querystring: Record<string, string> }>('/auditLogs/provisioning', async (request) => {
    const { tenantId } = requireRole(request, READ_AUDIT);
    const query = request.query;
    for (const key of Object.keys(query)) {
      if (key.startsWith('$') && !['$top', '$filter', '$skiptoken'].includes(key)) throw unsupportedQuery(`The query option '${key}' is not supported.`);
    }
    const top = query.$top === undefined ? DEFAULT_PAGE_SIZE : Number(query.$top);
    if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) throw requestBadRequest(`Invalid page size specified: '${query.$top}'.`);
    const filter = query.$filter === undefined ? {} : parseProvisioningFilter(query.$filter);
    const page = await options.store.listProvisioningLogs(tenantId, { limit: top, cursor: decodeSkipToken(query.$skiptoken), ...filter });
    return collectionBody(request, contextUrl(request, 'auditLogs/provisioning'), page.items as unknown as Record<string, unknown>[], page.cursor);
  });
}
