/**
 * The Microsoft identity platform's client-credentials endpoint, as far as Graph clients use
 * it: POST /{tenant}/oauth2/v2.0/token (RFC 6749 §4.4) and its v1 form /{tenant}/oauth2/token
 * (`resource` instead of `scope`), the JWK Set and the OpenID metadata (openid-metadata.ts).
 * {tenant} is the tenant id or one of its verified domain names, as with Entra.
 * Errors are RFC 6749 §5.2 bodies with Entra's extra fields (error_codes, trace_id, …).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DirectoryStore } from '../../directory/store.ts';
import { verifySecret } from './secret-hash.ts';
import type { TokenSigner } from './verify.ts';
import { openIdMetadataRoutes } from './openid-metadata.ts';
import { resolveTenant } from './tenant-names.ts';
import { publicOrigin } from '../public-origin.ts';
import type { InteractiveSignIn } from './interactive.ts';
import { missingParameter, OAuthError } from './oauth-error.ts';
import { passwordGrant } from './password-grant.ts';
import { SignInLimits } from '../../identity/sign-in-limits.ts';

export interface TokenEndpointOptions {
  readonly store: DirectoryStore;
  readonly signer: TokenSigner;
  /** The tenant's OpenID Connect provider (authorization code, refresh token); absent: apps only. */
  readonly signIn?: InteractiveSignIn;
  /** Failed sign-ins per account and address (password grant); one per app by default. */
  readonly signInLimits?: SignInLimits;
  /** Failed client secrets per client and per address; one per app by default (CLIENT_SECRET_LIMITS). */
  readonly clientLimits?: SignInLimits;
}

/**
 * Wrong client secrets (each costs a scrypt): 10 for one client, or 100 from one address,
 * within 15 minutes lock that client or address for 60 s, answered with 429 and Retry-After
 * before any secret is checked. A locked client is locked from every address (as Entra's
 * lockout), so a client whose secret leaked only slowly stops working; its own requests
 * resume 60 s after the last burst.
 */
export const CLIENT_SECRET_LIMITS = Object.freeze({ perUser: 10, perAddress: 100, windowMs: 15 * 60_000, lockoutMs: 60_000 });

/** Graph's resource, by URI and by app id; client credentials ask for `<resource>/.default`. */
const GRAPH_RESOURCES = new Set(['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000']);
/** Spends the same scrypt time for an unknown client as for a wrong secret. */
const DUMMY_HASH = 'scrypt$16384$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

const missing = missingParameter;

function checkScope(scope: string | undefined): void {
  if (!scope) throw missing('scope');
  const scopes = scope.split(' ').filter(Boolean);
  const valid = scopes.length > 0 && scopes.every((s) => s.endsWith('/.default') && GRAPH_RESOURCES.has(s.slice(0, -'/.default'.length).replace(/\/$/, '')));
  if (!valid) {
    throw new OAuthError('invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
}

/** RFC 6749 §2.3.1: the id and secret are form-urlencoded before Basic encoding; bad escapes are the client's error. */
function formDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new OAuthError('invalid_client', 7000216, 'The client credentials in the Authorization header are malformed: the client id and secret must be form-urlencoded (RFC 6749 §2.3.1).');
  }
}

/** client_secret_basic (RFC 6749 §2.3.1) or client_secret_post. */
function clientCredentials(request: FastifyRequest, body: Record<string, string>): { clientId?: string; clientSecret?: string } {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { clientId: formDecoded(decoded.slice(0, colon)), clientSecret: formDecoded(decoded.slice(colon + 1)) };
  }
  return { clientId: body.client_id, clientSecret: body.client_secret };
}

async function tenantIdOf(options: TokenEndpointOptions, tenantName: string): Promise<string> {
  const tenantId = await resolveTenant(options.store, tenantName);
  if (!tenantId) throw new OAuthError('invalid_request', 90002, `Tenant '${tenantName}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  return tenantId;
}

/**
 * A confidential client of the tenant, by its secret (scrypt time spent for an unknown one
 * too). With `clientLimits`, a client or address locked by wrong secrets gets 429 before any
 * scrypt, and each wrong secret or unknown client counts against both.
 */
export async function authenticateClient(options: Pick<TokenEndpointOptions, 'store' | 'clientLimits'>, tenantId: string, clientId: string, clientSecret: string | undefined, address = '') {
  if (!clientSecret) throw new OAuthError('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  const limits = options.clientLimits;
  const client = `${tenantId}/${clientId.toLowerCase()}`;
  const retryAfter = limits?.retryAfterSeconds(client, address) ?? 0;
  if (retryAfter > 0) {
    throw new OAuthError('temporarily_unavailable', 50196, 'Too many requests with a wrong client secret for this application or from this address; try again later.', retryAfter);
  }
  try {
    const app = await verifiedClient(options, tenantId, clientId, clientSecret);
    limits?.succeeded(client);
    return app;
  } catch (error) {
    if (error instanceof OAuthError) limits?.failed(client, address);
    throw error;
  }
}

async function verifiedClient(options: Pick<TokenEndpointOptions, 'store'>, tenantId: string, clientId: string, clientSecret: string) {
  const app = await options.store.getApplicationByAppId(tenantId, clientId);
  let valid = false;
  for (const credential of app?.passwordCredentials ?? [{ secretHash: DUMMY_HASH, endDateTime: null }]) {
    const current = credential.endDateTime === null || Date.parse(credential.endDateTime) > Date.now();
    if ((await verifySecret(clientSecret, credential.secretHash)) && current) valid = true;
  }
  if (!app) throw new OAuthError('invalid_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenantId}'.`);
  if (!valid) throw new OAuthError('invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
  return app;
}

async function issue(options: TokenEndpointOptions & { signInLimits: SignInLimits; clientLimits: SignInLimits }, tenantName: string, request: FastifyRequest, version: 'v1' | 'v2') {
  // Only a form body is a token request (RFC 6749 §4.4.2); a JSON body reads as empty.
  const isForm = String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const form = (isForm ? request.body ?? {} : {}) as Record<string, string>;
  // The v1 endpoint names the resource (`resource=https://graph.microsoft.com`), v2 a scope.
  const body = version === 'v1' && form.resource && !form.scope ? { ...form, scope: `${form.resource.replace(/\/$/, '')}/.default` } : form;
  if (version === 'v1' && !form.resource && !form.scope) throw missing('resource');
  if (!body.grant_type) throw missing('grant_type');
  if (body.grant_type === 'password') {
    const { clientId, clientSecret } = clientCredentials(request, body);
    return passwordGrant({ ...options, tenantId: await tenantIdOf(options, tenantName), clientId, clientSecret, authenticateClient }, request, body);
  }
  if (body.grant_type !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${body.grant_type}'.`);
  }
  const { clientId, clientSecret } = clientCredentials(request, body);
  if (!clientId) throw missing('client_id');
  checkScope(body.scope);
  const tenantId = await tenantIdOf(options, tenantName);
  const app = await authenticateClient(options, tenantId, clientId, clientSecret, request.ip);
  const issuerBase = publicOrigin(request);
  const { accessToken, expiresIn } = await options.signer.sign({ tenantId, appId: app.appId, roles: app.roles }, { issuerBase });
  return { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken };
}

/** A grant of the interactive sign-in goes to the tenant's provider; true when it took the request. */
async function delegated(options: TokenEndpointOptions, request: FastifyRequest<{ Params: { tenantId: string } }>, reply: FastifyReply): Promise<boolean> {
  const grantType = (request.body as Record<string, unknown> | undefined)?.grant_type;
  if (!options.signIn || typeof grantType !== 'string' || !options.signIn.grantTypes.includes(grantType)) return false;
  const tenantId = await resolveTenant(options.store, request.params.tenantId);
  if (!tenantId) throw new OAuthError('invalid_request', 90002, `Tenant '${request.params.tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  await options.signIn.token(tenantId, request, reply);
  return true;
}

function sendOAuthError(reply: FastifyReply, error: OAuthError) {
  const traceId = randomUUID();
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(error.status).header('cache-control', 'no-store').send({
    error: error.error,
    error_description: `${error.message}\r\nTrace ID: ${traceId}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [error.aadsts],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: randomUUID(),
  });
}

export async function tokenEndpointPlugin(app: FastifyInstance, options: TokenEndpointOptions): Promise<void> {
  // RFC 6749 §4.4.2: the token request is application/x-www-form-urlencoded.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const withLimits = { ...options, signInLimits: options.signInLimits ?? new SignInLimits(), clientLimits: options.clientLimits ?? new SignInLimits(CLIENT_SECRET_LIMITS) };
  await app.register(async (scope) => {
    // What fastify refuses before a handler runs (a body too large or not parsable) and what
    // fails inside one answer the same OAuth error body as the endpoint's own errors; a 5xx is
    // logged with its request id.
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      if (error instanceof OAuthError) return sendOAuthError(reply, error);
      const status = error.statusCode ?? 500;
      if (status < 500) return sendOAuthError(reply, new OAuthError('invalid_request', 90023, `The request is not valid: ${error.message}`, undefined, status));
      request.log.error({ err: error }, 'token request failed');
      return sendOAuthError(reply, new OAuthError('server_error', 50000, 'There was an error issuing a token.', undefined, 500));
    });
    for (const [path, version] of [['/:tenantId/oauth2/v2.0/token', 'v2'], ['/:tenantId/oauth2/token', 'v1']] as const) {
      scope.post<{ Params: { tenantId: string } }>(path, async (request, reply) => {
        if (await delegated(options, request, reply)) return reply;
        const token = await issue(withLimits, request.params.tenantId, request, version);
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
      });
    }
  });

  await app.register(openIdMetadataRoutes, { store: options.store, signer: options.signer, signIn: options.signIn });
  if (options.signIn) await app.register(options.signIn.routes);
}
