/**
 * The resource owner password credentials grant (RFC 6749 §4.3), as Entra answers it to
 * MSAL's acquireTokenByUsernamePassword: a synced user signs in with the AD password that
 * password hash sync brought over (src/identity/password-sign-in.ts), and gets a delegated
 * Graph access token, an ID token and client_info.
 *
 * Clients: Microsoft's first-party public clients that every Entra tenant accepts without a
 * secret (Azure CLI, Microsoft Graph Command Line Tools), or an application of the tenant
 * with its client secret.
 */
import type { FastifyRequest } from 'fastify';
import type { Application } from '../../directory/types.ts';
import type { DirectoryStore } from '../../directory/store.ts';
import { signInWithPassword, type SignInFailure } from '../../identity/password-sign-in.ts';
import { publicOrigin } from '../public-origin.ts';
import type { SignInLimits } from '../../identity/sign-in-limits.ts';
import { missingParameter, OAuthError } from './oauth-error.ts';
import type { TokenSigner } from './verify.ts';

/** Public clients of Microsoft's that exist in every tenant (client id → name). */
export const FIRST_PARTY_PUBLIC_CLIENTS: ReadonlyMap<string, string> = new Map([
  ['04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'Microsoft Azure CLI'],
  ['14d82eec-204b-4c2f-b7e8-296a70dab67e', 'Microsoft Graph Command Line Tools'],
]);

/** OpenID Connect scopes (OIDC Core §5.4, RFC 6749 refresh): not Graph permissions. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const GRAPH_PREFIXES = ['https://graph.microsoft.com/', '00000003-0000-0000-c000-000000000000/'];
/** What Entra grants to Graph when a client asks for no Graph permission by name. */
const DEFAULT_DELEGATED_SCOPE = 'User.Read';

export interface PasswordGrantOptions {
  readonly store: DirectoryStore;
  readonly signer: TokenSigner;
  readonly signInLimits: SignInLimits;
  readonly tenantId: string;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly authenticateClient: (options: { store: DirectoryStore; clientLimits?: SignInLimits }, tenantId: string, clientId: string, clientSecret: string | undefined, address?: string) => Promise<Application>;
}

/** Graph delegated scopes by name; `.default` and OIDC scopes ask for none by name. */
function delegatedScopes(scope: string): { oidc: string[]; graph: string[] } {
  const oidc: string[] = [];
  const graph: string[] = [];
  for (const item of scope.split(' ').filter(Boolean)) {
    if (OIDC_SCOPES.has(item)) {
      oidc.push(item);
      continue;
    }
    const prefix = GRAPH_PREFIXES.find((p) => item.toLowerCase().startsWith(p));
    const name = prefix ? item.slice(prefix.length) : item;
    if (name.includes('/') || name.includes(':')) {
      throw new OAuthError('invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${item} is not valid: only Microsoft Graph permissions are issued here.`);
    }
    if (name !== '.default') graph.push(name);
  }
  return { oidc, graph: graph.length > 0 ? [...new Set(graph)] : [DEFAULT_DELEGATED_SCOPE] };
}

const FAILURES: Record<SignInFailure, () => OAuthError> = {
  invalid_credentials: () => new OAuthError('invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
  account_disabled: () => new OAuthError('invalid_grant', 50057, 'The user account is disabled.'),
  locked: () => new OAuthError('invalid_grant', 50053, 'Your account is locked because you tried to sign in too many times with an incorrect user ID or password.'),
};

export async function passwordGrant(options: PasswordGrantOptions, request: FastifyRequest, body: Record<string, string>) {
  const { clientId, tenantId } = options;
  if (!clientId) throw missingParameter('client_id');
  if (!body.username) throw missingParameter('username');
  if (!body.password) throw missingParameter('password');
  if (!body.scope) throw missingParameter('scope');
  const scopes = delegatedScopes(body.scope);
  if (!FIRST_PARTY_PUBLIC_CLIENTS.has(clientId)) await options.authenticateClient(options, tenantId, clientId, options.clientSecret, request.ip);
  const result = await signInWithPassword({ store: options.store, limits: options.signInLimits }, tenantId, body.username, body.password, request.ip);
  if (!result.ok) throw FAILURES[result.failure]();
  const { user } = result;
  const { accessToken, idToken, expiresIn } = await options.signer.signUser(
    { tenantId, userId: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName, clientId, scopes: scopes.graph },
    { issuerBase: publicOrigin(request) },
  );
  return {
    token_type: 'Bearer',
    scope: [...scopes.graph, ...scopes.oidc].join(' '),
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: accessToken,
    ...(scopes.oidc.includes('openid') ? { id_token: idToken } : {}),
    // MSAL builds the account's home id from it (uid.utid).
    ...(body.client_info === '1' ? { client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: tenantId })).toString('base64url') } : {}),
  };
}
