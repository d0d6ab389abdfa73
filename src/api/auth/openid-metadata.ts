/**
 * OpenID Provider Metadata (OpenID Connect Discovery 1.0 §3) per tenant, where MSAL (msal-node,
 * MSAL.NET, MSAL Python) and Azure.Identity look for it: /{tenant}/v2.0/.well-known/openid-configuration,
 * and the v1 path /{tenant}/.well-known/openid-configuration. MSAL refuses a document without
 * authorization_endpoint, token_endpoint, issuer and jwks_uri (msal-common
 * isOpenIdConfigResponse), so all four are present. {tenant} is an id or a verified domain;
 * the endpoints in the document name the tenant by id, as Entra's do.
 *
 * Canopy issues tokens to applications (client credentials) and to synced users signing in
 * with their AD password (the password grant, password-grant.ts). With the tenant's OpenID
 * Connect provider (src/identity, `signIn`) the v2 document adds its endpoints and grants
 * (authorization code with PKCE, refresh tokens); without it the authorization endpoint exists
 * and answers every request with `unsupported_response_type` (RFC 6749 §4.1.2.1).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DirectoryStore } from '../../directory/store.ts';
import { SIGNING_ALGORITHM } from './keys.ts';
import { resolveTenant } from './tenant-names.ts';
import { publicOrigin } from '../public-origin.ts';
import type { TokenSigner } from './verify.ts';
import type { InteractiveSignIn } from './interactive.ts';

type TenantParams = { Params: { tenant: string } };

/** Never the Host header as it came (api/public-origin.ts). */
const originOf = publicOrigin;
const hostOf = (request: FastifyRequest): string => new URL(publicOrigin(request)).host;

function tenantNotFound(reply: FastifyReply, name: string) {
  return reply.code(400).send({
    error: 'invalid_tenant',
    error_description: `AADSTS90002: Tenant '${name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    error_codes: [90002],
    timestamp: new Date().toISOString(),
  });
}

function commonFields(signer: TokenSigner, tenantId: string, origin: string) {
  return {
    issuer: signer.issuer(tenantId, origin),
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    grant_types_supported: ['client_credentials', 'password'],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    response_types_supported: ['token', 'id_token'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    scopes_supported: ['openid', 'profile', 'offline_access', 'https://graph.microsoft.com/.default'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'appid', 'azp', 'roles', 'scp', 'idtyp', 'ver', 'preferred_username', 'name', 'upn'],
    request_uri_parameter_supported: false,
    http_logout_supported: false,
    frontchannel_logout_supported: false,
    tenant_region_scope: null,
    cloud_instance_name: 'canopy',
  };
}

export async function openIdMetadataRoutes(app: FastifyInstance, options: { store: DirectoryStore; signer: TokenSigner; signIn?: InteractiveSignIn }): Promise<void> {
  const { store, signer } = options;

  app.get<TenantParams>('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
    const tenantId = await resolveTenant(store, request.params.tenant);
    if (!tenantId) return tenantNotFound(reply, request.params.tenant);
    const base = `${originOf(request)}/${tenantId}`;
    return {
      ...commonFields(signer, tenantId, originOf(request)),
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      msgraph_host: hostOf(request),
      cloud_graph_host_name: hostOf(request),
      ...options.signIn?.metadata(base),
    };
  });

  app.get<TenantParams>('/:tenant/.well-known/openid-configuration', async (request, reply) => {
    const tenantId = await resolveTenant(store, request.params.tenant);
    if (!tenantId) return tenantNotFound(reply, request.params.tenant);
    const base = `${originOf(request)}/${tenantId}`;
    return {
      ...commonFields(signer, tenantId, originOf(request)),
      authorization_endpoint: `${base}/oauth2/authorize`,
      token_endpoint: `${base}/oauth2/token`,
      jwks_uri: `${base}/discovery/keys`,
      end_session_endpoint: `${base}/oauth2/logout`,
      msgraph_host: hostOf(request),
      cloud_graph_host_name: hostOf(request),
    };
  });

  for (const path of ['/:tenant/discovery/v2.0/keys', '/:tenant/discovery/keys']) {
    app.get<TenantParams>(path, async (request, reply) => {
      if (!(await resolveTenant(store, request.params.tenant))) return tenantNotFound(reply, request.params.tenant);
      return signer.jwks();
    });
  }

  const interactive = options.signIn ? [] : ['/:tenant/oauth2/v2.0/authorize', '/:tenant/oauth2/v2.0/logout'];
  for (const path of [...interactive, '/:tenant/oauth2/authorize', '/:tenant/oauth2/logout']) {
    app.get(path, async (_request, reply) => reply.code(400).header('cache-control', 'no-store').send({
      error: 'unsupported_response_type',
      error_description: 'Canopy issues tokens at the token endpoint only (client credentials, and the password grant for synced users); interactive sign-in is not available here.',
    }));
  }
}
