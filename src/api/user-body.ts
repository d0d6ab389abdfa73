/**
 * Request bodies of POST /users and PATCH /users/{id}: which properties a client may write,
 * their types, and which are mastered on premises for a synced user (Graph refuses those
 * with Request_BadRequest; usageLocation stays cloud-mastered, as in Entra).
 */
import { USER_PROPERTIES, type PropertyKind } from '../directory/properties.ts';
import type { UserProperties } from '../directory/types.ts';
import { badRequest, requestBadRequest } from './errors.ts';

/**
 * onPremises* properties are written by sync only, except the anchor (federated cloud users set
 * it) and, on cloud-only users, onPremisesExtensionAttributes (Graph: "for a cloud-only user …
 * these properties can be set during creation or update").
 */
const EXTENSION_ATTRIBUTES = 'onPremisesExtensionAttributes';
const READ_ONLY = new Set<string>(Object.keys(USER_PROPERTIES).filter((name) => name.startsWith('onPremises') && name !== 'onPremisesImmutableId' && name !== EXTENSION_ATTRIBUTES));
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

/**
 * onPremisesExtensionAttributes as a client writes it: extensionAttribute1…15, each a string
 * (1–1024 characters, as AD's) or null to clear it; as JSON text with its nulls, for
 * mergeExtensionAttributes to lay over what the user holds.
 */
function extensionAttributesOf(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(EXTENSION_ATTRIBUTES);
  const entries: Record<string, string | null> = {};
  for (const [name, v] of Object.entries(value)) {
    if (name.startsWith('@odata.')) continue;
    if (!/^extensionAttribute([1-9]|1[0-5])$/.test(name)) throw badRequest(`Property '${name}' does not exist on type 'microsoft.graph.onPremisesExtensionAttributes'.`);
    if (v !== null && (typeof v !== 'string' || v.length === 0 || v.length > 1024)) throw invalid(`${EXTENSION_ATTRIBUTES}/${name}`);
    entries[name] = v as string | null;
  }
  return JSON.stringify(entries);
}

/** The stored extension attributes (JSON text) with the written ones laid over them; null when none is left. */
export function mergeExtensionAttributes(stored: string | null, written: string): string | null {
  const parse = (text: string | null): Record<string, unknown> => {
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
    } catch {
      return {};
    }
  };
  const merged = { ...parse(stored), ...parse(written) };
  const kept = Object.keys(merged).filter((k) => typeof merged[k] === 'string').sort();
  return kept.length === 0 ? null : JSON.stringify(Object.fromEntries(kept.map((k) => [k, merged[k]])));
}

export function parseUserBody(body: unknown, mode: 'create' | 'update'): UserBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Empty Payload. JSON content expected.');
  const changes: Record<string, unknown> = {};
  let passwordProfile: { password: string } | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('@odata.')) continue;
    if (key === EXTENSION_ATTRIBUTES) {
      changes[key] = extensionAttributesOf(value);
      continue;
    }
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
