/**
 * $orderby on a directory collection: one property, `asc` (default) or `desc`. Graph sorts
 * users by displayName and userPrincipalName and groups by displayName by default; other
 * properties (createdDateTime, …) it sorts only in advanced queries, which Canopy does not
 * serve, so they answer Request_UnsupportedQuery (Graph "Advanced query capabilities",
 * "Support for sorting by properties").
 */
import { unsupportedQuery, badRequest } from './errors.ts';
import { canonicalProperty, canonicalUnstored, type GraphResource } from './resources.ts';

export interface OrderBy {
  readonly property: string;
  readonly descending: boolean;
}

export function parseOrderBy(resource: GraphResource, sortable: readonly string[], text: string): OrderBy {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length !== 1) throw unsupportedQuery('Sorting by more than one property is not supported.');
  const match = /^(\S+)(?:\s+(asc|desc))?$/i.exec(items[0]!);
  if (!match) throw badRequest(`Syntax error in $orderby: '${items[0]}'.`);
  const name = match[1]!;
  const property = canonicalProperty(resource, name);
  if (!property && !canonicalUnstored(resource, name)) {
    throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${resource.name}'.`);
  }
  if (!property || !sortable.includes(property)) throw unsupportedQuery(`Sorting not supported for '${name}'.`);
  return { property, descending: match[2]?.toLowerCase() === 'desc' };
}
