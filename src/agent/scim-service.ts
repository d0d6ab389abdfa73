/**
 * The agent's SCIM service for one AD domain, independent of transport: the relay
 * dispatcher and the local HTTP listener (scim-http.ts) both call `handleScimRequest`.
 * Read-only: AD is the source of truth, so only GET is served (RFC 7644 §3.4).
 *
 *   GET /ServiceProviderConfig, /ResourceTypes[/{id}], /Schemas[/{urn}]   (RFC 7644 §4)
 *   GET /Users, /Groups            filter, startIndex/count, cursor, attributes (§3.4.2)
 *   GET /Users/{id}, /Groups/{id}  id = objectGUID (§3.4.1)
 *   GET /Delta                     Canopy's change feed (docs/protocol.md)
 *   GET /AdSchema?classes=a,b      Canopy's: what the forest's schema lets each class hold (schema discovery)
 */
import { isCanopyError } from '../core/errors.ts';
import { resourceTypeById, resourceTypesListResponse, schemaById, schemasListResponse, serviceProviderConfig } from '../scim/discovery.ts';
import { ScimError, scimErrors } from '../scim/scim-error.ts';
import { createScimContext, type ScimServiceContext, type ScimServiceOptions } from './scim/context.ts';
import { readDelta } from './scim/delta.ts';
import { getResource, listResources } from './scim/list.ts';
import { GROUPS, USERS, type ServedType } from './scim/resource-types.ts';

export { createScimContext, type ScimServiceContext, type ScimServiceOptions };
export type { AdSource, AdSearchOptions } from './scim/ad-source.ts';

export interface ScimRequest {
  readonly method: string;
  /** Path below the service root, e.g. `/Users/…`; a `?query` part is read too. */
  readonly path: string;
  /** Query parameters; when a name repeats, the first value counts. */
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
}

export interface ScimResponse {
  readonly status: number;
  readonly body: unknown;
}

export type ScimHandler = (request: ScimRequest) => Promise<ScimResponse>;

/** A handler bound to one domain's context. */
export function createScimHandler(options: ScimServiceOptions | ScimServiceContext): ScimHandler {
  const ctx = 'deltaSessions' in options ? options : createScimContext(options);
  return (request) => handleScimRequest(ctx, request);
}

export async function handleScimRequest(ctx: ScimServiceContext, request: ScimRequest): Promise<ScimResponse> {
  try {
    const { segments, query } = parseTarget(request);
    if (request.method.toUpperCase() !== 'GET') {
      throw scimErrors.methodNotAllowed(`${request.method} is not allowed: the agent's SCIM service is read-only (GET only)`);
    }
    return { status: 200, body: await route(ctx, segments, query) };
  } catch (error) {
    const scimError = toScimError(error);
    return { status: scimError.status, body: scimError.toBody() };
  }
}

function parseTarget(request: ScimRequest): { segments: string[]; query: Record<string, string | undefined> } {
  const [pathPart = '', search] = request.path.split('?', 2);
  const query: Record<string, string | undefined> = {};
  if (search !== undefined) {
    for (const [name, value] of new URLSearchParams(search)) if (!(name in query)) query[name] = value;
  }
  Object.assign(query, request.query ?? {});
  let segments: string[];
  try {
    segments = pathPart.split('/').filter((segment) => segment !== '').map((segment) => decodeURIComponent(segment));
  } catch {
    throw scimErrors.invalidSyntax(`path ${JSON.stringify(request.path)} is not valid`);
  }
  return { segments, query };
}

async function route(ctx: ScimServiceContext, segments: readonly string[], query: Record<string, string | undefined>): Promise<unknown> {
  const [collection = '', id, extra] = segments;
  if (extra !== undefined) throw scimErrors.notFound(`no endpoint /${segments.join('/')}`);
  switch (collection.toLowerCase()) {
    case 'users':
      return resources(ctx, USERS, id, query);
    case 'groups':
      return resources(ctx, GROUPS, id, query);
    case 'delta':
      if (id !== undefined) break;
      return readDelta(ctx, query);
    case 'adschema':
      if (id !== undefined) break;
      return readAdSchema(ctx, query);
    case 'serviceproviderconfig':
      if (id !== undefined) break;
      return serviceProviderConfig(ctx);
    case 'resourcetypes':
      if (id === undefined) return resourceTypesListResponse();
      return resourceTypeById(id) ?? notFound(`resource type ${id}`);
    case 'schemas':
      if (id === undefined) return schemasListResponse();
      return schemaById(id) ?? notFound(`schema ${id}`);
  }
  throw scimErrors.notFound(`no endpoint /${segments.join('/')}`);
}

function resources(ctx: ScimServiceContext, type: ServedType, id: string | undefined, query: Record<string, string | undefined>): Promise<unknown> {
  return id === undefined ? listResources(ctx, type, query) : getResource(ctx, type, id, query);
}

/** Class names are lDAPDisplayNames: letters, digits and hyphens (MS-ADTS 3.1.1.2.3). */
const CLASS_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

async function readAdSchema(ctx: ScimServiceContext, query: Record<string, string | undefined>): Promise<unknown> {
  const classes = (query.classes ?? 'user,inetOrgPerson,group').split(',').map((c) => c.trim()).filter((c) => c !== '');
  const bad = classes.find((c) => !CLASS_NAME.test(c));
  if (bad !== undefined || classes.length === 0 || classes.length > 20) {
    throw scimErrors.invalidValue(`classes: ${bad === undefined ? 'one to 20 class names, comma-separated' : `${JSON.stringify(bad)} is not a class name`}`);
  }
  if (!ctx.source.readSchema) throw scimErrors.notImplemented('this agent cannot read the AD schema');
  return ctx.source.readSchema(classes);
}

function notFound(what: string): never {
  throw scimErrors.notFound(`${what} not found`);
}

/** AD faults become SCIM errors at this edge (RFC 7644 §3.12). */
function toScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  if (isCanopyError(error)) {
    switch (error.code) {
      case 'ERR_AD_UNREACHABLE':
      case 'ERR_AD_TIMEOUT':
      case 'ERR_AD_TLS':
      case 'ERR_AD_TLS_UNTRUSTED':
      case 'ERR_AD_INVALID_CREDENTIALS':
        return scimErrors.unavailable(`Active Directory is not available (${error.code}): ${error.message}`, error);
      case 'ERR_AD_WATERMARK_INVALID':
        return scimErrors.invalidValue(`watermark cannot be used: ${error.message}; start a full read without a watermark`);
      case 'ERR_AD_NO_SUCH_OBJECT':
        return scimErrors.notFound(error.message);
      case 'ERR_AD_FILTER_INVALID':
        return scimErrors.invalidFilter(`the filter cannot be run against AD: ${error.message}`, error);
      default:
        return scimErrors.internal(`${error.code}: ${error.message}`, error);
    }
  }
  return scimErrors.internal(`internal error: ${error instanceof Error ? error.message : String(error)}`, error);
}
