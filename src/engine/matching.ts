/**
 * Joining a source object to a cloud object, in Entra's order:
 * 1. the engine's own record (objectGUID → cloud id), then a hard match on the source anchor
 *    (onPremisesImmutableId for users, the internal sourceAnchor for groups), deleted items
 *    included, so a returning object is restored, never duplicated;
 * 2. for users only, a soft match on the primary SMTP address (the `SMTP:` proxy address,
 *    else mail) against cloud mail and proxyAddresses, then, when the job enables it, on
 *    userPrincipalName — only onto cloud objects not already synced;
 * 3. otherwise the object is new, unless its UPN is taken: then it is a conflict.
 * A conflict is a per-object error; the cloud object it collides with is never touched.
 */
import type { DirectoryGroup, DirectoryUser } from '../directory/types.ts';
import type { DirectoryReader } from '../directory/store.ts';

export type MatchLookup = Pick<DirectoryReader, 'findUser' | 'findGroup' | 'getUser' | 'getGroup'>;

export type CloudObject = DirectoryUser | DirectoryGroup;

export type MatchOutcome<T extends CloudObject> =
  | { readonly kind: 'joined'; readonly target: T; readonly how: 'state' | 'anchor' }
  | { readonly kind: 'soft'; readonly target: T; readonly on: 'mail' | 'proxyAddresses' | 'userPrincipalName'; readonly value: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'conflict'; readonly attribute: string; readonly value: string; readonly conflictingId: string; readonly reason: string };

export interface UserMatchInput {
  readonly knownTargetId: string | null;
  readonly anchor: string;
  readonly mail: string | null;
  readonly proxyAddresses: readonly string[];
  readonly userPrincipalName: string | null;
}

export interface MatchOptions {
  /** Soft match on userPrincipalName after SMTP (Entra's SoftMatchOnUpn). Off by default. */
  readonly softMatchOnUpn?: boolean;
}

/** The primary SMTP address: the proxy address with the upper-case `SMTP:` prefix, else mail. */
export function primarySmtpAddress(mail: string | null, proxyAddresses: readonly string[]): string | null {
  const primary = proxyAddresses.find((p) => p.startsWith('SMTP:'));
  if (primary) return primary.slice(5);
  return mail && mail.trim() !== '' ? mail.trim() : null;
}

/** A cloud object already owned by sync (by this anchor or another). */
function syncedElsewhere(target: { onPremisesSyncEnabled: boolean | null }, otherAnchor: string | null, anchor: string): boolean {
  return target.onPremisesSyncEnabled === true || (otherAnchor !== null && otherAnchor !== anchor);
}

function conflict(attribute: string, value: string, target: CloudObject, reason: string): MatchOutcome<never> {
  return { kind: 'conflict', attribute, value, conflictingId: target.id, reason };
}

export async function matchUser(lookup: MatchLookup, tenantId: string, input: UserMatchInput, options: MatchOptions = {}): Promise<MatchOutcome<DirectoryUser>> {
  if (input.knownTargetId !== null) {
    const known = await lookup.getUser(tenantId, input.knownTargetId, { includeDeleted: true });
    if (known) return { kind: 'joined', target: known, how: 'state' };
  }
  const hard = await lookup.findUser(tenantId, { onPremisesImmutableId: input.anchor });
  if (hard) return { kind: 'joined', target: hard, how: 'anchor' };

  const smtp = primarySmtpAddress(input.mail, input.proxyAddresses);
  if (smtp !== null) {
    const byMail = await lookup.findUser(tenantId, { mail: smtp });
    const candidate = byMail && byMail.deletedDateTime === null ? byMail : await lookup.findUser(tenantId, { proxyAddress: `smtp:${smtp}` });
    if (candidate && candidate.deletedDateTime === null) {
      if (syncedElsewhere(candidate, candidate.onPremisesImmutableId, input.anchor)) {
        return conflict('mail', smtp, candidate, `the address ${smtp} belongs to ${candidate.userPrincipalName}, which is already synced from another on-premises object`);
      }
      return { kind: 'soft', target: candidate, on: byMail === candidate ? 'mail' : 'proxyAddresses', value: smtp };
    }
  }

  if (input.userPrincipalName !== null) {
    const byUpn = await lookup.findUser(tenantId, { userPrincipalName: input.userPrincipalName });
    if (byUpn && byUpn.deletedDateTime === null) {
      if (syncedElsewhere(byUpn, byUpn.onPremisesImmutableId, input.anchor)) {
        return conflict('userPrincipalName', input.userPrincipalName, byUpn, `userPrincipalName ${input.userPrincipalName} is already used by an object synced from another on-premises object`);
      }
      if (options.softMatchOnUpn) return { kind: 'soft', target: byUpn, on: 'userPrincipalName', value: input.userPrincipalName };
      return conflict('userPrincipalName', input.userPrincipalName, byUpn, `userPrincipalName ${input.userPrincipalName} is already used by a cloud-only user that did not soft-match on its SMTP address`);
    }
  }
  return { kind: 'none' };
}

export async function matchGroup(lookup: MatchLookup, tenantId: string, input: { knownTargetId: string | null; anchor: string }): Promise<MatchOutcome<DirectoryGroup>> {
  if (input.knownTargetId !== null) {
    const known = await lookup.getGroup(tenantId, input.knownTargetId, { includeDeleted: true });
    if (known) return { kind: 'joined', target: known, how: 'state' };
  }
  const hard = await lookup.findGroup(tenantId, { sourceAnchor: input.anchor });
  if (hard) return { kind: 'joined', target: hard, how: 'anchor' };
  return { kind: 'none' };
}

/**
 * Before a UPN is written (create, or an update that renames), it must not belong to another
 * live user: the store would refuse it, and Entra reports it as a conflict on the object.
 */
export async function upnTakenBy(lookup: MatchLookup, tenantId: string, upn: string, selfId: string | null): Promise<DirectoryUser | undefined> {
  const holder = await lookup.findUser(tenantId, { userPrincipalName: upn });
  if (!holder || holder.deletedDateTime !== null || holder.id === selfId) return undefined;
  return holder;
}
