/**
 * The tenant's interactive sign-in on the service's fastify app: oidc-provider answers the
 * authorization, token (authorization_code, refresh_token), logout, userinfo and revocation
 * requests below /{tenant}; the sign-in pages (its "interaction") are ours (login-routes.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import type { InteractiveSignIn } from '../api/auth/interactive.ts';
import { resolveTenant } from '../api/auth/tenant-names.ts';
import type { DirectoryReader } from '../directory/store.ts';
import type { IdentityStore } from './identity-store.ts';
import { loginRoutes } from './login-routes.ts';
import { originOf } from './origin.ts';
import { createProviderFactory, PROVIDER_ROUTES, type ProviderFactory } from './provider.ts';
import { SignInThrottle } from './sign-in-throttle.ts';

export interface SignInOptions {
  readonly directory: DirectoryReader;
  readonly identity: IdentityStore;
  readonly signingJwk: JWK;
  readonly issuer: (tenantId: string, origin: string) => string;
}

type RawRequest = IncomingMessage & { originalUrl?: string; body?: unknown };

/**
 * Hands the request to the tenant's provider, mounted at /{tenant}: oidc-provider finds its
 * mount path as the part of `originalUrl` before `url` (lib/helpers/oidc_context.js urlFor).
 */
async function forward(providers: ProviderFactory, tenantId: string, request: FastifyRequest, reply: FastifyReply, path?: string): Promise<void> {
  const provider = await providers(tenantId, originOf(request));
  const raw = request.raw as RawRequest;
  const url = raw.url ?? '/';
  raw.originalUrl = url;
  const rest = url.slice(url.indexOf('/', 1));
  raw.url = path ? path + (rest.includes('?') ? rest.slice(rest.indexOf('?')) : '') : rest;
  // fastify has read the form already; oidc-provider then takes req.body (selective_body.js).
  if (request.body !== undefined) raw.body = request.body;
  reply.hijack();
  await provider.callback()(raw, reply.raw);
}

function tenantNotFound(reply: FastifyReply, name: string) {
  return reply.code(400).header('cache-control', 'no-store').send({ error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${name}' not found.` });
}

export function createSignIn(options: SignInOptions): InteractiveSignIn {
  const providers = createProviderFactory({ store: options.identity, signingJwk: options.signingJwk, issuer: options.issuer });
  const throttle = new SignInThrottle();
  return {
    grantTypes: ['authorization_code', 'refresh_token'],
    metadata: (base) => ({
      authorization_endpoint: `${base}${PROVIDER_ROUTES.authorization}`,
      end_session_endpoint: `${base}${PROVIDER_ROUTES.end_session}`,
      userinfo_endpoint: `${base}${PROVIDER_ROUTES.userinfo}`,
      revocation_endpoint: `${base}${PROVIDER_ROUTES.revocation}`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'none'],
      subject_types_supported: ['public'],
      scopes_supported: ['openid', 'profile', 'offline_access', 'https://graph.microsoft.com/.default'],
      http_logout_supported: false,
    }),
    token: (tenantId, request, reply) => forward(providers, tenantId, request, reply, PROVIDER_ROUTES.token),
    async routes(app) {
      const paths = [PROVIDER_ROUTES.authorization, `${PROVIDER_ROUTES.authorization}/*`, PROVIDER_ROUTES.end_session, `${PROVIDER_ROUTES.end_session}/*`, PROVIDER_ROUTES.userinfo, PROVIDER_ROUTES.revocation];
      for (const path of paths) {
        app.route<{ Params: { tenant: string } }>({
          method: ['GET', 'POST'],
          url: `/:tenant${path}`,
          async handler(request, reply) {
            const tenantId = await resolveTenant(options.directory, request.params.tenant);
            if (!tenantId) return tenantNotFound(reply, request.params.tenant);
            return forward(providers, tenantId, request, reply);
          },
        });
      }
      await app.register(loginRoutes, { directory: options.directory, identity: options.identity, providers, throttle });
    },
  };
}
