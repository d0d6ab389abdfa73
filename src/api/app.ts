/**
 * The Graph-compatible HTTP API as fastify plugins:
 * - `canopyApiPlugin`: the token endpoint (/{tenant}/oauth2/v2.0/token, keys, OpenID
 *   metadata) and the Graph routes under /v1.0 and, the same routes, under /beta (Microsoft's
 *   cloud sync walkthrough addresses /beta). `canopy serve` registers it on its app.
 * - `graphApiPlugin`: the Graph routes alone (register with `{ prefix: '/v1.0' }`), for a
 *   server that adds its own routes (synchronization jobs, audit logs) to the same prefix.
 * - `buildApiApp`: a fastify instance with `canopyApiPlugin`, for tests and simple hosts.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import type { TokenSigner } from './auth/verify.ts';
import { tokenEndpointPlugin } from './auth/token-endpoint.ts';
import type { InteractiveSignIn } from './auth/interactive.ts';
import { createAuthenticationHook, principalOf } from './authentication.ts';
import { RequestThrottle, createThrottleHook } from './throttle.ts';
import { GraphError, badRequest, clientRequestId, sendGraphError, toGraphError } from './errors.ts';
import { RouteTable } from './route-table.ts';
import { applicationTemplatesRoutes } from './application-templates.ts';
import { usersRoutes } from './users.ts';
import { groupsRoutes } from './groups.ts';
import { groupWriteRoutes } from './group-writes.ts';
import { deletedItemsRoutes } from './deleted-items.ts';
import { organizationRoutes } from './organization.ts';
import { servicePrincipalsRoutes } from './service-principals.ts';
import { auditLogRoutes } from './audit-logs.ts';
import { synchronizationRoutes, type SynchronizationEvent } from './synchronization.ts';
import type { OnDemandRunner } from './provision-on-demand.ts';
import type { DiscoverRunner } from './synchronization.ts';

export interface ApiOptions {
  readonly store: DirectoryStore;
  /** Signs and verifies access tokens (api/auth/verify.ts, createTokenSigner). */
  readonly auth: TokenSigner;
  /** Told after a synchronization job, its schema or its secrets change (to update the scheduler). */
  readonly onSynchronizationEvent?: (event: SynchronizationEvent) => void | Promise<void>;
  /** The engine's provision on demand (SyncEngine.provisionOnDemand); absent: the route answers 503. */
  readonly provisionOnDemand?: OnDemandRunner;
  /** The engine's schema discovery (SyncEngine.discoverDirectory); absent: the route answers 503. */
  readonly discoverDirectory?: DiscoverRunner;
  /** Admission per application and tenant (api/throttle.ts); one instance across /v1.0 and /beta. Default limits when absent. */
  readonly throttle?: RequestThrottle;
  /** The tenant's OpenID Connect provider (src/identity); absent: application tokens only. */
  readonly signIn?: InteractiveSignIn;
}

/**
 * The /v1.0 routes, authenticated and answering Graph error bodies. Routes added by other
 * parts inside this plugin's scope get the same authentication and errors: pass them as
 * `extraRoutes`.
 */
export async function graphApiPlugin(
  app: FastifyInstance,
  options: ApiOptions & { extraRoutes?: readonly ((app: FastifyInstance) => Promise<void>)[]; onRoutes?: (prefix: string, table: RouteTable) => void },
): Promise<void> {
  const table = new RouteTable(app.prefix);
  app.addHook('onRoute', (route) => table.add(route));
  // Handed out at once; it fills as the routes below register (read it after ready()).
  options.onRoutes?.(app.prefix, table);
  app.addHook('onRequest', createAuthenticationHook(options.store, options.auth));
  app.addHook('onRequest', createThrottleHook(options.throttle ?? new RequestThrottle(), principalOf));
  // Graph takes actions (start, pause, restore) with no body; fastify's JSON parser refuses an
  // empty one, so an empty body reads as none and the rest goes to fastify's safe parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else parseJson(request, body as string, done);
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('request-id', request.id);
    reply.header('client-request-id', clientRequestId(request));
  });
  app.setErrorHandler((error, request, reply) => {
    const graphError = toGraphError(error);
    if (graphError.status >= 500) request.log.error({ err: error }, 'graph request failed');
    return sendGraphError(request, reply, graphError);
  });
  // Graph's answers for a path it does not have (400 BadRequest naming the segment) and for a
  // known path asked with a method it does not take (405), both in Graph's error body.
  app.setNotFoundHandler((request, reply) => {
    const path = new URL(request.url, 'http://x').pathname;
    const rest = path.slice(app.prefix.length) || '/';
    if (table.methodsFor(rest).length > 0) {
      reply.header('allow', table.methodsFor(rest).join(', '));
      return sendGraphError(request, reply, new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request uri.'));
    }
    const segment = rest.split('/').filter(Boolean)[0] ?? '';
    return sendGraphError(request, reply, badRequest(`Resource not found for the segment '${segment}'.`));
  });
  const routeOptions = { store: options.store };
  await app.register(usersRoutes, routeOptions);
  await app.register(groupsRoutes, routeOptions);
  await app.register(groupWriteRoutes, routeOptions);
  await app.register(deletedItemsRoutes, routeOptions);
  await app.register(organizationRoutes, routeOptions);
  await app.register(servicePrincipalsRoutes, routeOptions);
  await app.register(applicationTemplatesRoutes, routeOptions);
  await app.register(auditLogRoutes, routeOptions);
  await app.register(synchronizationRoutes, { store: options.store, onSynchronizationEvent: options.onSynchronizationEvent, provisionOnDemand: options.provisionOnDemand, discoverDirectory: options.discoverDirectory });
  for (const routes of options.extraRoutes ?? []) await app.register(routes);
}

/** The Graph versions served; every route answers under each. */
export const GRAPH_VERSIONS = ['/v1.0', '/beta'] as const;

export async function canopyApiPlugin(app: FastifyInstance, options: ApiOptions & { onRoutes?: (prefix: string, table: RouteTable) => void }): Promise<void> {
  // A path that is nobody's (outside /v1.0 and /beta, whose own handler names the segment):
  // Graph's error body rather than fastify's.
  app.setNotFoundHandler((request, reply) =>
    sendGraphError(request, reply, new GraphError(404, 'Request_ResourceNotFound', `No resource at ${request.method} ${new URL(request.url, 'http://x').pathname}.`)));
  await app.register(tokenEndpointPlugin, { store: options.store, signer: options.auth, signIn: options.signIn });
  const throttle = options.throttle ?? new RequestThrottle();
  for (const prefix of GRAPH_VERSIONS) await app.register(graphApiPlugin, { ...options, throttle, prefix });
}

export function buildApiApp(options: ApiOptions & { fastify?: FastifyServerOptions }): FastifyInstance {
  const app = Fastify({ genReqId: () => randomUUID(), ...options.fastify });
  void app.register(canopyApiPlugin, { store: options.store, auth: options.auth, onSynchronizationEvent: options.onSynchronizationEvent, provisionOnDemand: options.provisionOnDemand, discoverDirectory: options.discoverDirectory, throttle: options.throttle });
  return app;
}
