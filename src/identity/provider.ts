/**
 * The tenant's OpenID Connect provider, built on panva's oidc-provider: authorization code
 * with PKCE (S256, required of the public portal client), refresh tokens, RP-initiated
 * logout, the login page as its "interaction". Its access tokens for Graph are JWTs signed
 * with the service's token key, with the claims api/auth/verify.ts reads (`tid`, `appid`,
 * `scp` — the signed-in account's delegated Graph permissions —, `oid`), so the API checks
 * them as it checks any token of ours.
 *
 * oidc-provider fixes its issuer when built; Canopy's issuer follows the origin the client
 * called (`${origin}/${tenantId}/v2.0`, as the token endpoint does for MSAL), so one provider
 * exists per tenant and origin, built on first use and kept in a small LRU.
 */
import { CACHE_BOUNDS } from '../core/cache-bounds.ts';
import { LRUCache } from 'lru-cache';
import type { JWK } from 'jose';
import { GRAPH_AUDIENCE } from '../api/auth/verify.ts';
import type { IdentityStore } from './identity-store.ts';
import { ALL_DELEGATED_PERMISSIONS } from './accounts.ts';
import { oidcAdapterFor } from './oidc-adapter.ts';
import { messagePage, signOutPage } from './pages.ts';

/** The portal's client id (a first-party public client of every tenant, as Entra's portal is). */
export const PORTAL_CLIENT_ID = '5c1e0e8b-2f3a-4d4e-9a57-6e0f7c3b9d21';
export const PORTAL_PATH = '/portal/';

/** Every Graph permission a delegated token may carry; an account gets its own subset (accounts.ts). */
const ALL_DELEGATED_SCOPES = ALL_DELEGATED_PERMISSIONS.join(' ');
/** What the portal asks for: the user's identity, a refresh token, and the Graph permissions. */
export const PORTAL_SCOPES: readonly string[] = Object.freeze(['openid', 'profile', 'offline_access', ...ALL_DELEGATED_SCOPES.split(' ')]);

/** Where the provider's endpoints sit below /{tenant}: Entra's paths. */
export const PROVIDER_ROUTES = Object.freeze({
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  end_session: '/oauth2/v2.0/logout',
  jwks: '/discovery/v2.0/keys',
  userinfo: '/openid/userinfo',
  revocation: '/oauth2/v2.0/revoke',
});

/** Lifetimes in seconds: Entra's for access and ID tokens (about an hour); a day's session. */
const TTL = Object.freeze({
  AccessToken: 3600,
  IdToken: 3600,
  AuthorizationCode: 300,
  Interaction: 3600,
  Session: 24 * 3600,
  Grant: 14 * 24 * 3600,
  RefreshToken: 14 * 24 * 3600,
});

/** What the rest of identity uses of an oidc-provider instance (the library ships no types). */
export interface OidcProvider {
  callback(): (req: unknown, res: unknown) => Promise<void>;
  interactionDetails(req: unknown, res: unknown): Promise<InteractionDetails>;
  interactionResult(req: unknown, res: unknown, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
  Grant: new (options: { accountId: string; clientId: string }) => OidcGrant;
}

export interface InteractionDetails {
  readonly uid: string;
  readonly prompt: { name: string; details: Record<string, unknown> };
  readonly params: Record<string, unknown>;
  readonly session?: { accountId?: string };
}

interface OidcGrant {
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  rejectResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

interface TokenLike { accountId?: string; clientId?: string; scope?: string }

export interface ProviderFactoryOptions {
  readonly store: IdentityStore;
  readonly signingJwk: JWK;
  /** The issuer of a tenant at an origin (api/auth/verify.ts TokenSigner.issuer). */
  readonly issuer: (tenantId: string, origin: string) => string;
}

export type ProviderFactory = (tenantId: string, origin: string) => Promise<OidcProvider>;

export function createProviderFactory(options: ProviderFactoryOptions): ProviderFactory {
  const cache = new LRUCache<string, Promise<OidcProvider>>({ max: CACHE_BOUNDS.oidcProviders });
  return (tenantId, origin) => {
    const key = `${tenantId} ${origin}`;
    let provider = cache.get(key);
    if (!provider) {
      provider = buildProvider(options, tenantId, origin);
      cache.set(key, provider);
      provider.catch(() => cache.delete(key));
    }
    return provider;
  };
}

async function buildProvider(options: ProviderFactoryOptions, tenantId: string, origin: string): Promise<OidcProvider> {
  // Loaded on the first sign-in only: `canopy serve` starts without it.
  const { default: Provider, errors } = await import('oidc-provider');
  const { store } = options;
  const configuration = {
    adapter: oidcAdapterFor(store, tenantId),
    clients: [{
      client_id: PORTAL_CLIENT_ID,
      client_name: 'Canopy portal',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [new URL(PORTAL_PATH, origin).href],
      post_logout_redirect_uris: [new URL(PORTAL_PATH, origin).href],
      id_token_signed_response_alg: 'ES256',
    }],
    jwks: { keys: [options.signingJwk] },
    cookies: { keys: await store.cookieKeys() },
    routes: PROVIDER_ROUTES,
    ttl: TTL,
    scopes: ['openid', 'profile', 'offline_access'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    pkce: { required: () => true },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/${tenantId}/login/${interaction.uid}` },
    async findAccount(_ctx: unknown, sub: string) {
      const account = await store.getAccount(tenantId, sub);
      if (!account) return undefined;
      return { accountId: account.id, claims: () => ({ sub: account.id, name: account.displayName, preferred_username: account.userName, tid: tenantId }) };
    },
    async extraTokenClaims(_ctx: unknown, token: TokenLike) {
      if (!token.accountId) return undefined;
      // Entra's delegated tokens: the user (`oid`), the client (`appid`/`azp`), the permissions (`scp`).
      return { tid: tenantId, oid: token.accountId, appid: token.clientId, azp: token.clientId, scp: token.scope ?? '', idtyp: 'user', ver: '2.0' };
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx: { body: string }, form: string) {
          ctx.body = signOutPage(form);
        },
        postLogoutSuccessSource(ctx: { body: string }) {
          ctx.body = messagePage('Signed out', 'You have signed out of Canopy.', { href: PORTAL_PATH, text: 'Sign in again' });
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => GRAPH_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx: unknown, resource: string) {
          if (resource !== GRAPH_AUDIENCE) throw new errors.InvalidTarget(`Canopy's only resource is ${GRAPH_AUDIENCE}`);
          return {
            scope: ALL_DELEGATED_SCOPES,
            audience: GRAPH_AUDIENCE,
            accessTokenTTL: TTL.AccessToken,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    async renderError(ctx: { type: string; body: string }, out: { error?: string; error_description?: string }) {
      ctx.type = 'html';
      ctx.body = messagePage('Sign-in failed', `${out.error ?? 'error'}: ${out.error_description ?? ''}`, { href: PORTAL_PATH, text: 'Back to the portal' });
    },
  };
  return new Provider(options.issuer(tenantId, origin), configuration as never) as unknown as OidcProvider;
}

