/**
 * Graph error responses: `{error:{code, message, innerError:{date, request-id, client-request-id}}}`
 * (Graph "Microsoft Graph error responses and resource types"). Handlers throw GraphError;
 * the plugin's error handler writes the body, so the status is chosen here, at the edge.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isCanopyError } from '../core/errors.ts';

export class GraphError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
  }
}

/** Graph's wording for a write to a property that AD masters on a synced object. */
export const ON_PREMISES_MASTERED_MESSAGE =
  'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.';

export const notFound = (id: string) =>
  new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

/** Graph's throttling answer (429 TooManyRequests with Retry-After in seconds). */
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new GraphError(429, 'TooManyRequests', message, { 'retry-after': String(retryAfterSeconds) });

export const badRequest = (message: string) => new GraphError(400, 'BadRequest', message);
export const requestBadRequest = (message: string) => new GraphError(400, 'Request_BadRequest', message);
export const unsupportedQuery = (message: string) => new GraphError(400, 'Request_UnsupportedQuery', message);
export const accessDenied = () => new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
export const invalidToken = (message: string) => new GraphError(401, 'InvalidAuthenticationToken', message);

export function sendGraphError(request: FastifyRequest, reply: FastifyReply, error: GraphError) {
  if (error.status === 401) reply.header('www-authenticate', 'Bearer realm="", error="invalid_token"');
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.status).send({
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': request.id,
        'client-request-id': clientRequestId(request),
      },
    },
  });
}

export function clientRequestId(request: FastifyRequest): string {
  const header = request.headers['client-request-id'];
  return typeof header === 'string' && header.length <= 100 ? header : request.id;
}

/** Maps whatever a handler threw to the Graph error a client expects. */
export function toGraphError(error: unknown): GraphError {
  if (error instanceof GraphError) return error;
  if (isCanopyError(error, 'ERR_AUTH_TOKEN_EXPIRED')) return invalidToken('Lifetime validation failed, the token is expired.');
  if (isCanopyError(error, 'ERR_AUTH_TOKEN_INVALID')) return invalidToken('Access token validation failure.');
  if (isCanopyError(error, 'ERR_DIRECTORY_CONFLICT')) return requestBadRequest('Another object with the same value for property userPrincipalName or onPremisesImmutableId already exists.');
  if (isCanopyError(error, 'ERR_DIRECTORY_NOT_FOUND')) return notFound('reference');
  const status = (error as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new GraphError(status, status === 413 ? 'Request_EntityTooLarge' : 'BadRequest', (error as Error).message);
  }
  return new GraphError(500, 'generalException', 'General exception while processing');
}
