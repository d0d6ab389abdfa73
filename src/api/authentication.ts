/**
 * Every /v1.0 request carries a bearer token from our token endpoint. The token's `tid`
 * selects the tenant; a request that names another tenant (X-Canopy-Tenant-Id, or a tenant
 * id in the path such as /organization/{id}) is refused with 403, never served from the
 * other tenant's data.
 */
import type { FastifyRequest } from 'fastify';
import type { DirectoryStore } from '../directory/store.ts';
import type { AccessTokenClaims, TokenSigner } from './auth/verify.ts';
import { accessDenied, invalidToken } from './errors.ts';

export const TENANT_HEADER = 'x-canopy-tenant-id';

const principals = new WeakMap<FastifyRequest, AccessTokenClaims>();

/** Tenant ids are GUIDs: compared without regard to case. */
export function sameTenant(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function principalOf(request: FastifyRequest): AccessTokenClaims {
  const principal = principals.get(request);
  if (!principal) throw invalidToken('Access token is empty.');
  return principal;
}

export function createAuthenticationHook(store: DirectoryStore, signer: TokenSigner) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    if (!header) throw invalidToken('Access token is empty.');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw invalidToken('Access token validation failure. Invalid audience.');
    const claims = await signer.verifyAccessToken(match[1]!);
    // A token outlives nothing: a tenant removed since issuance no longer authenticates.
    if (!(await store.getTenant(claims.tenantId))) throw invalidToken('Access token validation failure. Invalid tenant.');
    const named = request.headers[TENANT_HEADER];
    if (named !== undefined && !sameTenant(String(named), claims.tenantId)) throw accessDenied();
    principals.set(request, claims);
  };
}

/** Graph application permissions: any of the listed roles grants the call. */
export function requireRole(request: FastifyRequest, anyOf: readonly string[]): AccessTokenClaims {
  const principal = principalOf(request);
  if (!principal.roles.some((role) => anyOf.includes(role))) throw accessDenied();
  return principal;
}

export const READ_USERS = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
export const WRITE_USERS = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
export const READ_GROUPS = ['Group.Read.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
export const READ_DIRECTORY = ['Directory.Read.All', 'Directory.ReadWrite.All'];
export const WRITE_DIRECTORY = ['Directory.ReadWrite.All'];
