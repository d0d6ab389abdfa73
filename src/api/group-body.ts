/**
 * Request bodies of POST /groups and PATCH /groups/{id} (Graph "Create group", "Update group"):
 * which properties a client may write, their types, Graph's rules for the kind of group, and
 * `members@odata.bind`. Canopy keeps security groups; mail-enabled groups (distribution lists,
 * mail-enabled security groups, Microsoft 365 groups) need Exchange, so they are refused, as
 * Graph refuses the first two.
 */
import { badRequest, requestBadRequest } from './errors.ts';
import { GROUP_RESOURCE } from './resources.ts';
import type { GroupProperties } from '../directory/types.ts';

type Kind = 'string' | 'nullableString' | 'boolean' | 'strings';

/** What a client may write on a cloud group; mailEnabled only when creating (Graph: not updatable). */
const WRITABLE: Readonly<Record<string, Kind>> = {
  displayName: 'string', description: 'nullableString', mailEnabled: 'boolean', mailNickname: 'string', securityEnabled: 'boolean', groupTypes: 'strings',
};
const CREATE_ONLY = new Set(['mailEnabled', 'groupTypes']);
export const REQUIRED_ON_CREATE = ['displayName', 'mailEnabled', 'mailNickname', 'securityEnabled'] as const;
/** Graph "Add members": at most 20 in one request's members@odata.bind. */
export const MAX_BOUND_MEMBERS = 20;
const MEMBERS_BIND = 'members@odata.bind';

/** Graph's answer when a group would be mail-enabled or not security-enabled (distribution lists and the like). */
export const MAIL_ENABLED_MESSAGE = 'The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset and the security-enablement property is set.';

export interface GroupBody {
  readonly changes: Partial<GroupProperties>;
  /** Member ids from `members@odata.bind`, in order, without repeats. */
  readonly memberIds: readonly string[];
}

const invalid = (name: string) => requestBadRequest(`Invalid value specified for property '${name}' of resource 'Group'.`);

/**
 * Graph: mailNickname is 1–64 ASCII characters without @ () \ [] " ; : <> , or space;
 * displayName at most 256 characters.
 */
function checkValue(name: string, kind: Kind, value: unknown): unknown {
  if (value === null && kind === 'nullableString') return null;
  const ok = kind === 'boolean' ? typeof value === 'boolean'
    : kind === 'strings' ? Array.isArray(value) && value.every((v) => typeof v === 'string')
      : typeof value === 'string';
  if (!ok) throw invalid(name);
  if (name === 'displayName' && ((value as string).trim() === '' || (value as string).length > 256)) throw invalid(name);
  if (name === 'mailNickname' && !/^[\x21-\x7e]{1,64}$/.test(value as string)) throw invalid(name);
  if (name === 'mailNickname' && /[@()\\[\]";:<>,]/.test(value as string)) throw invalid(name);
  return value;
}

/** The id an `@odata.id` / `@odata.bind` URL names: …/directoryObjects/{id}, …/users/{id} or …/groups/{id}. */
export function referencedId(reference: unknown, property: string): { id: string; kind: 'directoryObjects' | 'users' | 'groups' } {
  const match = typeof reference === 'string' ? /\/(directoryObjects|users|groups)\/([^/?#]+)\/?$/.exec(reference) : null;
  if (!match) {
    throw badRequest(`Invalid URL format specified in ${property}: expected https://graph.microsoft.com/v1.0/directoryObjects/{id} (or …/users/{id}, …/groups/{id}), got ${JSON.stringify(reference)}.`);
  }
  return { id: decodeURIComponent(match[2]!), kind: match[1] as 'directoryObjects' | 'users' | 'groups' };
}

function boundMembers(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest(`${MEMBERS_BIND} must be a non-empty array of directoryObjects URLs.`);
  if (value.length > MAX_BOUND_MEMBERS) throw badRequest(`${MEMBERS_BIND} takes at most ${MAX_BOUND_MEMBERS} members in one request; it has ${value.length}.`);
  return [...new Set(value.map((ref) => referencedId(ref, MEMBERS_BIND).id))];
}

/** The kind of group: Canopy, like Graph without Exchange, writes security groups only. */
function checkKind(changes: Record<string, unknown>): void {
  const types = (changes.groupTypes as string[] | undefined) ?? [];
  if (types.some((t) => t.toLowerCase() === 'dynamicmembership')) {
    throw requestBadRequest("Canopy does not evaluate dynamic membership rules: groupTypes 'DynamicMembership' is not supported; add members through members/$ref.");
  }
  if (types.some((t) => t.toLowerCase() === 'unified')) {
    throw requestBadRequest("Canopy does not host Microsoft 365 groups (groupTypes 'Unified'): they need Exchange Online. Create a security group (mailEnabled false, securityEnabled true).");
  }
  if (types.length > 0) throw invalid('groupTypes');
  if (changes.mailEnabled === true || changes.securityEnabled === false) throw requestBadRequest(MAIL_ENABLED_MESSAGE);
}

export function parseGroupBody(body: unknown, mode: 'create' | 'update'): GroupBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Empty Payload. JSON content expected.');
  const changes: Record<string, unknown> = {};
  let memberIds: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === MEMBERS_BIND) {
      memberIds = boundMembers(value);
      continue;
    }
    if (key.startsWith('@odata.')) continue;
    if (key === 'owners@odata.bind') throw requestBadRequest('Canopy does not keep group owners: leave owners@odata.bind out (admins of the tenant manage every cloud group).');
    const kind = WRITABLE[key];
    if (kind === undefined || (mode === 'update' && CREATE_ONLY.has(key))) {
      if (key in GROUP_RESOURCE.unstored) throw requestBadRequest(`Canopy does not store property '${key}' of groups; leave it out.`);
      if (key in GROUP_RESOURCE.properties) throw requestBadRequest(`Property '${key}' is read-only and cannot be set.`);
      throw badRequest(`Property '${key}' does not exist on type 'microsoft.graph.group'.`);
    }
    changes[key] = checkValue(key, kind, value);
  }
  if (mode === 'create') {
    for (const name of REQUIRED_ON_CREATE) if (changes[name] === undefined) throw invalid(name);
    checkKind(changes);
  } else if (changes.securityEnabled === false) {
    throw requestBadRequest(MAIL_ENABLED_MESSAGE);
  }
  return { changes: changes as Partial<GroupProperties>, memberIds };
}
