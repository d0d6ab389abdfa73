/**
 * Request bodies of POST /users and PATCH /users/{id}: which properties a client may write,
 * their types, and which are mastered on premises for a synced user (Graph refuses those
 * with Request_BadRequest; usageLocation stays cloud-mastered, as in Entra).
 */
import { USER_PROPERTIES, type PropertyKind } from '../directory/properties.ts';
import type { UserProperties } from '../directory/types.ts';
import { badRequest, requestBadRequest } from './errors.ts';

/** onPremises* properties are written by sync only, except the anchor (federated cloud users set it). */
const READ_ONLY = new Set<string>(Object.keys(USER_PROPERTIES).filter((name) => name.startsWith('onPremises') && name !== 'onPremisesImmutableId'));
READ_ONLY.add('managerId');
READ_ONLY.add('directoryExtensions');

const CLOUD_MASTERED = new Set(['usageLocation']);

export const REQUIRED_ON_CREATE = ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName', 'passwordProfile'] as const;

export interface UserBody {
  readonly changes: Partial<UserProperties>;
  /** Accepted and checked, not stored: sign-in is out of scope for the directory today. */
  readonly passwordProfile?: { readonly password: string };
}

const invalid = (name: string) => requestBadRequest(`Invalid value specified for property '${name}' of resource 'User'.`);

function checkValue(name: string, kind: PropertyKind, value: unknown): unknown {
  if (value === null) {
    if (name === 'userPrincipalName' || kind === 'boolean') throw invalid(name);
    return kind === 'strings' ? [] : null;
  }
  const ok = kind === 'boolean' ? typeof value === 'boolean'
    : kind === 'strings' ? Array.isArray(value) && value.every((v) => typeof v === 'string')
      : typeof value === 'string';
  if (!ok) throw invalid(name);
  return value;
}

export function parseUserBody(body: unknown, mode: 'create' | 'update'): UserBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Empty Payload. JSON content expected.');
  const changes: Record<string, unknown> = {};
  let passwordProfile: { password: string } | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('@odata.')) continue;
    if (key === 'passwordProfile') {
      const password = (value as { password?: unknown } | null)?.password;
      if (typeof password !== 'string' || password.length === 0) throw invalid(key);
      passwordProfile = { password };
      continue;
    }
    const kind = (USER_PROPERTIES as Record<string, PropertyKind>)[key];
    if (kind === undefined || key === 'managerId' || key === 'directoryExtensions') throw badRequest(`Property '${key}' does not exist on type 'microsoft.graph.user'.`);
    if (READ_ONLY.has(key)) throw requestBadRequest(`Property '${key}' is read-only and cannot be set.`);
    changes[key] = checkValue(key, kind, value);
  }
  if (mode === 'create') {
    for (const name of REQUIRED_ON_CREATE) {
      if (name === 'passwordProfile' ? !passwordProfile : changes[name] === undefined) throw invalid(name);
    }
  }
  return { changes: changes as Partial<UserProperties>, passwordProfile };
}

/** True when the body writes a property that AD masters for a synced user. */
export function touchesOnPremisesMastered(body: UserBody): boolean {
  return body.passwordProfile !== undefined || Object.keys(body.changes).some((name) => !CLOUD_MASTERED.has(name));
}
