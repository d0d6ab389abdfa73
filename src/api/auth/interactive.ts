/**
 * What the token endpoint and the OpenID metadata need of an interactive sign-in (the
 * tenant's OpenID Connect provider, src/identity): the API depends on this interface only;
 * `canopy serve` wires in the provider.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface InteractiveSignIn {
  /** The grant types it answers at the token endpoint (authorization_code, refresh_token). */
  readonly grantTypes: readonly string[];
  /** Fields of the OpenID metadata for a tenant's endpoints below `base` (origin/tenantId). */
  metadata(base: string): Record<string, unknown>;
  /** Answers a token request of one of its grant types. */
  token(tenantId: string, request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Its own routes below /{tenant}: authorize, logout, the sign-in pages. */
  routes(app: FastifyInstance): Promise<void>;
}
