/**
 * OData system query options of a Graph collection request ($top, $skiptoken, $count,
 * $select, $filter) and the answer's envelope (@odata.context, @odata.count,
 * @odata.nextLink). $skiptoken is opaque to clients: base64url JSON of the store's cursor.
 */
import { publicOrigin } from './public-origin.ts';
import type { FastifyRequest } from 'fastify';
import type { Predicate } from '../directory/store.ts';
import { badRequest, requestBadRequest, unsupportedQuery } from './errors.ts';
import { parseGraphFilter } from './odata-filter.ts';
import { parseSelect, type GraphResource } from './resources.ts';
import { parseOrderBy, type OrderBy } from './odata-orderby.ts';
import { parseSearch } from './odata-search.ts';
import { parseExpand, type ExpandItem, type Navigation } from './expand.ts';

/** Graph's default page size for directory objects, and its maximum $top. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

const SUPPORTED = new Set(['$top', '$skiptoken', '$count', '$select', '$filter']);
const KNOWN_UNSUPPORTED = new Set(['$orderby', '$search', '$expand', '$skip', '$format', '$apply']);

export interface CollectionQuery {
  readonly top: number;
  readonly cursor?: string;
  readonly count: boolean;
  readonly select?: readonly string[];
  /** $filter and $search together. */
  readonly filter?: Predicate;
  readonly orderBy?: OrderBy;
  readonly expand: readonly ExpandItem[];
}

/** What a collection takes beyond $top, $skiptoken, $count and $select. */
export interface CollectionOptions {
  /** false: $filter is refused; 'advanced': it needs ConsistencyLevel: eventual and $count=true (Graph's rule for relationships). */
  readonly filter?: boolean | 'advanced';
  /** Properties $orderby may name; absent: $orderby is refused. */
  readonly orderBy?: readonly string[];
  /** Properties $search may name; absent: $search is refused. */
  readonly search?: readonly string[];
  /** Navigation properties $expand may name; absent: $expand is refused. */
  readonly expand?: readonly Navigation[];
}

/** A relationship (members, memberOf and their transitive forms): Graph takes $filter there only as an advanced query. */
export const RELATIONSHIP_QUERY: CollectionOptions = Object.freeze({ filter: 'advanced' });

/** Refuses options the collection does not take, naming them as Graph does. */
function checkOptions(query: Query, options: CollectionOptions, single: boolean): void {
  const allowed = new Set(single ? ['$select'] : SUPPORTED);
  if (options.orderBy) allowed.add('$orderby');
  if (options.search) allowed.add('$search');
  if (options.expand) allowed.add('$expand');
  for (const key of Object.keys(query)) {
    const name = (key.startsWith('$') ? key : `$${key}`).toLowerCase();
    if (allowed.has(name)) continue;
    if (KNOWN_UNSUPPORTED.has(name)) throw unsupportedQuery(`The query option '${name}' is not supported.`);
    if (key.startsWith('$')) throw badRequest(`The query parameter '${key}' is not supported.`);
  }
}

type Query = Record<string, string | string[] | undefined>;

/** Graph accepts system query options with or without the `$` prefix. */
function option(query: Query, name: string): string | undefined {
  const value = query[name] ?? query[name.slice(1)];
  return Array.isArray(value) ? value[0] : value;
}

export function isEventuallyConsistent(request: FastifyRequest): boolean {
  return String(request.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
}

function parseTop(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PAGE_SIZE;
  const top = Number(text);
  if (!/^\d+$/.test(text) || top < 1 || top > MAX_PAGE_SIZE) {
    throw requestBadRequest(`Invalid page size specified: '${text}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`);
  }
  return top;
}

export function decodeSkipToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { c?: unknown };
    if (typeof parsed.c === 'string') return parsed.c;
  } catch {
    // fall through
  }
  throw requestBadRequest('The specified page token value has expired or is invalid.');
}

function parseCount(request: FastifyRequest, text: string | undefined): boolean {
  if (text === undefined || text === 'false') return false;
  if (text !== 'true') throw badRequest(`Invalid value '${text}' for $count; expected true or false.`);
  // $count on directory objects is an advanced query: without the header Graph silently
  // ignores ?$count=true (and answers 400 for the /$count segment, in the routes).
  return isEventuallyConsistent(request);
}

export function parseCollectionQuery(request: FastifyRequest, resource: GraphResource, options: CollectionOptions = {}): CollectionQuery {
  const query = request.query as Query;
  checkOptions(query, options, false);
  const count = parseCount(request, option(query, '$count'));
  const advancedHeaders = count && isEventuallyConsistent(request);
  const filterText = option(query, '$filter');
  const predicates: Predicate[] = [];
  if (filterText !== undefined) {
    if (options.filter === false) throw unsupportedQuery('$filter is not supported on this collection.');
    const parsed = parseGraphFilter(resource, filterText);
    if ((parsed.advanced || options.filter === 'advanced') && !advancedHeaders) {
      throw unsupportedQuery('Unsupported or invalid query filter clause: this filter is an advanced query; send ConsistencyLevel: eventual and $count=true.');
    }
    predicates.push(parsed.predicate);
  }
  const searchText = option(query, '$search');
  if (searchText !== undefined && options.search) {
    // Graph: $search works only with ConsistencyLevel: eventual ($count is not needed).
    if (!isEventuallyConsistent(request)) {
      throw unsupportedQuery("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
    }
    predicates.push(parseSearch(resource, options.search, searchText));
  }
  const orderText = option(query, '$orderby');
  const orderBy = orderText !== undefined && options.orderBy ? parseOrderBy(resource, options.orderBy, orderText) : undefined;
  // Graph: $filter and $orderby in one query is an advanced query.
  if (orderBy && filterText !== undefined && !advancedHeaders) {
    throw unsupportedQuery('Sorting with $filter is an advanced query; send ConsistencyLevel: eventual and $count=true.');
  }
  const expandText = option(query, '$expand');
  // Graph: "$expand is not currently supported with advanced queries" (aad-advanced-queries).
  if (expandText !== undefined && options.expand && (advancedHeaders || (searchText !== undefined && options.search))) {
    throw unsupportedQuery('$expand is not supported with advanced queries (ConsistencyLevel: eventual with $count=true, or $search); leave out $expand, or $count and $search.');
  }
  const cursor = decodeSkipToken(option(query, '$skiptoken'));
  if (cursor !== undefined && orderBy && !isOrderedCursor(cursor)) throw requestBadRequest('The specified page token value has expired or is invalid.');
  return {
    top: parseTop(option(query, '$top')),
    cursor,
    count,
    select: parseSelect(resource, option(query, '$select')),
    filter: predicates.length === 0 ? undefined : predicates.length === 1 ? predicates[0] : { op: 'and', operands: predicates },
    orderBy,
    expand: expandText !== undefined && options.expand ? parseExpand(resource, options.expand, expandText) : [],
  };
}

/** An ordered listing's cursor is JSON [value, id] (the stores' keyset on the sort key). */
function isOrderedCursor(cursor: string): boolean {
  try {
    const parsed: unknown = JSON.parse(cursor);
    return Array.isArray(parsed) && parsed.length === 2 && parsed.every((v) => typeof v === 'string');
  } catch {
    return false;
  }
}

/** A single-entity GET takes $select (and $expand where the entity has navigations); the rest is refused, not ignored. */
export function entityQuery(request: FastifyRequest, resource: GraphResource, expand?: readonly Navigation[]): { select?: readonly string[]; expand: readonly ExpandItem[] } {
  const query = request.query as Query;
  checkOptions(query, { expand }, true);
  const expandText = option(query, '$expand');
  return {
    select: parseSelect(resource, option(query, '$select')),
    expand: expandText !== undefined && expand ? parseExpand(resource, expand, expandText) : [],
  };
}

/** A single-entity GET with $select only. */
export function entitySelect(request: FastifyRequest, resource: GraphResource): readonly string[] | undefined {
  return entityQuery(request, resource).select;
}

/** This service's public origin (public-origin.ts): nextLink and @odata.context point back at it. */
export function baseUrl(request: FastifyRequest): string {
  return publicOrigin(request);
}

/** The same request with $skiptoken replaced, as an absolute URL (Graph paging). */
export function nextLink(request: FastifyRequest, cursor: string): string {
  const url = new URL(request.url, baseUrl(request));
  const parts: string[] = [];
  for (const [key, value] of url.searchParams) {
    if (key === '$skiptoken' || key === 'skiptoken') continue;
    parts.push(`${key}=${encodeURIComponent(value)}`);
  }
  parts.push(`$skiptoken=${Buffer.from(JSON.stringify({ c: cursor })).toString('base64url')}`);
  return `${baseUrl(request)}${url.pathname}?${parts.join('&')}`;
}

/** The Graph version a request addressed: /beta or /v1.0 (the same routes answer both). */
export function graphVersion(request: FastifyRequest): 'beta' | 'v1.0' {
  return request.url.startsWith('/beta/') || request.url === '/beta' ? 'beta' : 'v1.0';
}

/** `…/$metadata#users(displayName,mail)/$entity`: the selection goes after the entity set. */
export function contextUrl(request: FastifyRequest, fragment: string, select?: readonly string[]): string {
  const [set, entity] = fragment.endsWith('/$entity') ? [fragment.slice(0, -8), '/$entity'] : [fragment, ''];
  return `${baseUrl(request)}/${graphVersion(request)}/$metadata#${set}${select ? `(${select.join(',')})` : ''}${entity}`;
}

export function collectionBody(
  request: FastifyRequest,
  context: string,
  items: readonly Record<string, unknown>[],
  cursor: string | undefined,
  count?: number,
): Record<string, unknown> {
  return {
    '@odata.context': context,
    ...(count === undefined ? {} : { '@odata.count': count }),
    ...(cursor === undefined ? {} : { '@odata.nextLink': nextLink(request, cursor) }),
    value: items,
  };
}
