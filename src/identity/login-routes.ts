/**
 * The sign-in pages of a tenant's provider (its interaction, /{tenantId}/login/{uid}): the
 * user name and password form; for a one-time password, the change-password form (Entra's
 * "Update your password": current, new, confirm); then the grant of the account's
 * delegated Graph permissions to the portal, and back to oidc-provider to issue the code.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GRAPH_AUDIENCE } from '../api/auth/verify.ts';
import type { DirectoryReader } from '../directory/store.ts';
import { ALL_DELEGATED_PERMISSIONS, changePassword, checkPassword, delegatedPermissionsOf, MIN_PASSWORD_LENGTH, newPasswordProblem } from './accounts.ts';
import type { IdentityAccount, IdentityStore } from './identity-store.ts';
import { changePasswordPage, messagePage, PAGE_HEADERS, signInPage } from './pages.ts';
import type { InteractionDetails, OidcProvider, ProviderFactory } from './provider.ts';
import { PORTAL_PATH } from './provider.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';
import { originOf } from './origin.ts';

interface LoginRouteOptions {
  readonly directory: DirectoryReader;
  readonly identity: IdentityStore;
  readonly providers: ProviderFactory;
  readonly throttle: SignInThrottle;
}

type LoginRequest = FastifyRequest<{ Params: { tenantId: string; uid: string }; Body?: Record<string, string> }>;

const send = (reply: FastifyReply, status: number, body: string) => reply.code(status).headers(PAGE_HEADERS).send(body);

/** The interaction of this browser (its cookie) for this uid, or undefined when expired or foreign. */
async function interactionOf(provider: OidcProvider, request: LoginRequest, reply: FastifyReply): Promise<InteractionDetails | undefined> {
  try {
    const details = await provider.interactionDetails(request.raw, reply.raw);
    return details.uid === request.params.uid ? details : undefined;
  } catch {
    return undefined;
  }
}

/** Login and consent at once: the portal is first-party, its permissions follow the account's roles. */
async function finish(provider: OidcProvider, request: LoginRequest, reply: FastifyReply, details: InteractionDetails, account: IdentityAccount) {
  const grant = new provider.Grant({ accountId: account.id, clientId: String(details.params.client_id) });
  grant.addOIDCScope('openid profile offline_access');
  const permissions = delegatedPermissionsOf(account);
  if (permissions.length > 0) grant.addResourceScope(GRAPH_AUDIENCE, permissions.join(' '));
  // The rest is refused, not left open: else the provider would ask for it again and again.
  const refused = ALL_DELEGATED_PERMISSIONS.filter((p) => !permissions.includes(p));
  if (refused.length > 0) grant.rejectResourceScope(GRAPH_AUDIENCE, refused.join(' '));
  const grantId = await grant.save();
  const to = await provider.interactionResult(request.raw, reply.raw, { login: { accountId: account.id }, consent: { grantId } }, { mergeWithLastSubmission: false });
  return reply.code(303).header('location', to).header('cache-control', 'no-store').send();
}

const expired = (reply: FastifyReply) =>
  send(reply, 400, messagePage('Sign-in expired', 'This sign-in page has expired or belongs to another browser. Start again from the portal.', { href: PORTAL_PATH, text: 'Back to the portal' }));

export async function loginRoutes(app: FastifyInstance, options: LoginRouteOptions): Promise<void> {
  const { identity, providers, throttle } = options;
  const url = '/:tenantId/login/:uid';

  app.get(url, async (request: LoginRequest, reply) => {
    const provider = await providers(request.params.tenantId, originOf(request));
    const details = await interactionOf(provider, request, reply);
    if (!details) return expired(reply);
    // Signed in already (a session) and only the grant is missing: no form to show.
    const accountId = details.session?.accountId;
    if (details.prompt.name === 'consent' && accountId) {
      const account = await identity.getAccount(request.params.tenantId, accountId);
      if (account && !account.mustChangePassword) return finish(provider, request, reply, details, account);
    }
    return send(reply, 200, signInPage({ action: request.url }));
  });

  app.post(url, async (request: LoginRequest, reply) => {
    const { tenantId } = request.params;
    const provider = await providers(tenantId, originOf(request));
    const details = await interactionOf(provider, request, reply);
    if (!details) return expired(reply);
    const form = request.body ?? {};
    const userName = String(form.username ?? '').trim();
    const password = String(form.password ?? '');
    const changing = form.step === 'change-password';
    const again = (error: string, status = 200) => send(reply, status, changing
      ? changePasswordPage({ action: request.url, userName, error, minLength: MIN_PASSWORD_LENGTH })
      : signInPage({ action: request.url, userName, error }));
    const wait = throttle.retryAfter(userName, request.ip);
    if (wait > 0) return again(`Too many failed sign-ins. Try again in ${Math.ceil(wait / 60_000)} minute(s).`, 429);
    if (!userName || !password) return again('Enter your user name and password.');
    const account = await checkPassword(identity, tenantId, userName, password);
    if (!account) {
      throttle.failed(userName, request.ip);
      return again(changing ? 'Your current password is incorrect.' : 'Your user name or password is incorrect.');
    }
    throttle.succeeded(userName);
    if (changing) {
      const problem = newPasswordProblem(password, String(form.newPassword ?? ''), String(form.confirmPassword ?? ''));
      if (problem) return again(problem);
      await changePassword(identity, account, String(form.newPassword));
      return finish(provider, request, reply, details, { ...account, mustChangePassword: false });
    }
    if (account.mustChangePassword) return send(reply, 200, changePasswordPage({ action: request.url, userName: account.userName, minLength: MIN_PASSWORD_LENGTH }));
    return finish(provider, request, reply, details, account);
  });
}
