/**
 * Access tokens: what the token endpoint signs and what every protected endpoint checks.
 * Claims follow Entra's app-only tokens for Graph: `tid`, `appid`/`azp`, `roles`,
 * `idtyp: "app"`, audience https://graph.microsoft.com.
 */
import { SignJWT, jwtVerify, errors as joseErrors, type JWK } from 'jose';
import { CanopyError } from '../../core/errors.ts';
import { SIGNING_ALGORITHM, type SigningKey } from './keys.ts';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** Entra's lifetime for client-credential tokens (60–90 min); 3599 s as Entra reports it. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;
/**
 * The issuer prefix when no request names one; a tenant's issuer is `${base}/${tenantId}/v2.0`
 * (Entra's v2 form). The token endpoint and the OpenID metadata use the origin the client
 * called instead, because MSAL requires the issuer's scheme, host and port to be the
 * authority's (msal-common Authority.validateIssuer).
 */
export const DEFAULT_ISSUER_BASE = 'https://login.canopy.local';

export interface AccessTokenClaims {
  readonly tenantId: string;
  /** The client id of the calling application. */
  readonly appId: string;
  /**
   * The Graph permissions the token grants: an application's `roles`, or a signed-in user's
   * delegated `scp` (space-separated, Entra's form; src/identity issues them).
   */
  readonly roles: readonly string[];
  /** The signed-in user (`oid`) of a delegated token; absent for an application's token. */
  readonly userId?: string;
}

/** A signed-in user (password hash sync's sign-in), for delegated tokens. */
export interface UserTokenClaims {
  readonly tenantId: string;
  /** The user's object id (`oid`, and `sub`). */
  readonly userId: string;
  readonly userPrincipalName: string;
  readonly displayName: string | null;
  /** The public client that asked (`appid`/`azp` of the access token, `aud` of the ID token). */
  readonly clientId: string;
  /** Delegated Graph scopes (`scp`), space-separated names such as `User.Read`. */
  readonly scopes: readonly string[];
}

export interface TokenSigner {
  /** `issuerBase`: the origin the client asked (https://host:port); the default otherwise. */
  sign(claims: AccessTokenClaims, options?: { issuerBase?: string }): Promise<{ accessToken: string; expiresIn: number }>;
  /**
   * A delegated access token for Graph (`idtyp: "user"`, `scp`, no roles: it grants no
   * application permission) and an OpenID Connect ID token for the client (OIDC Core §2).
   */
  signUser(claims: UserTokenClaims, options?: { issuerBase?: string }): Promise<{ accessToken: string; idToken: string; expiresIn: number }>;
  verifyAccessToken(token: string): Promise<AccessTokenClaims>;
  /** The JWK Set published at /{tenant}/discovery/v2.0/keys (RFC 7517 §5). */
  jwks(): { keys: JWK[] };
  issuer(tenantId: string, issuerBase?: string): string;
}

/**
 * An issuer of ours for the token's own tenant: any origin, then `/{tid}/v2.0`. The origin
 * varies with the name clients use for the service; the signature is what authenticates.
 */
function isIssuerOf(iss: unknown, tenantId: string): boolean {
  if (typeof iss !== 'string' || !iss.endsWith(`/${tenantId}/v2.0`)) return false;
  try {
    const url = new URL(iss);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname === `/${tenantId}/v2.0`;
  } catch {
    return false;
  }
}

export function createTokenSigner(key: SigningKey, options: { issuerBase?: string; lifetimeSeconds?: number } = {}): TokenSigner {
  const issuerBase = options.issuerBase ?? DEFAULT_ISSUER_BASE;
  const lifetime = options.lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const issuer = (tenantId: string, base = issuerBase) => `${base}/${tenantId}/v2.0`;
  return {
    issuer,
    jwks: () => ({ keys: [key.publicJwk] }),
    async sign(claims, signOptions = {}) {
      const accessToken = await new SignJWT({ tid: claims.tenantId, appid: claims.appId, azp: claims.appId, roles: [...claims.roles], idtyp: 'app', ver: '2.0' })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' })
        .setIssuer(issuer(claims.tenantId, signOptions.issuerBase))
        .setAudience(GRAPH_AUDIENCE)
        .setSubject(claims.appId)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime(`${lifetime}s`)
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
      return { accessToken, expiresIn: lifetime };
    },
    async signUser(claims, signOptions = {}) {
      const iss = issuer(claims.tenantId, signOptions.issuerBase);
      const person = { oid: claims.userId, tid: claims.tenantId, preferred_username: claims.userPrincipalName, name: claims.displayName ?? claims.userPrincipalName, ver: '2.0' };
      const header = { alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' };
      const accessToken = await new SignJWT({ ...person, upn: claims.userPrincipalName, appid: claims.clientId, azp: claims.clientId, scp: claims.scopes.join(' '), idtyp: 'user' })
        .setProtectedHeader(header).setIssuer(iss).setAudience(GRAPH_AUDIENCE).setSubject(claims.userId)
        .setIssuedAt().setNotBefore('0s').setExpirationTime(`${lifetime}s`).setJti(crypto.randomUUID())
        .sign(key.privateKey);
      const idToken = await new SignJWT(person)
        .setProtectedHeader(header).setIssuer(iss).setAudience(claims.clientId).setSubject(claims.userId)
        .setIssuedAt().setNotBefore('0s').setExpirationTime(`${lifetime}s`)
        .sign(key.privateKey);
      return { accessToken, idToken, expiresIn: lifetime };
    },
    async verifyAccessToken(token) {
      try {
        const { payload } = await jwtVerify(token, key.publicKey, { algorithms: [SIGNING_ALGORITHM], audience: GRAPH_AUDIENCE, clockTolerance: 60 });
        const tenantId = payload.tid;
        const appId = payload.appid;
        if (typeof tenantId !== 'string' || typeof appId !== 'string' || !isIssuerOf(payload.iss, tenantId)) {
          throw new CanopyError('ERR_AUTH_TOKEN_INVALID', 'the token names no tenant or application, or another issuer');
        }
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
        const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : [];
        return { tenantId, appId, roles: [...roles, ...scopes], ...(typeof payload.oid === 'string' ? { userId: payload.oid } : {}) };
      } catch (error) {
        if (error instanceof CanopyError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new CanopyError('ERR_AUTH_TOKEN_EXPIRED', 'the access token has expired', { cause: error });
        throw new CanopyError('ERR_AUTH_TOKEN_INVALID', 'the access token is not valid', { cause: error });
      }
    },
  };
}
