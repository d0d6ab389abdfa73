/**
 * The sync account's own DN, however its bind name is written: a DN, a UPN
 * (svc@corp.example, explicit or implicit) or a down-level name (CORP\svc) — AD accepts all
 * three for a simple bind (MS-ADTS 5.1.1.1.1). The reader leaves the sync account out of
 * every read by DN, so the DN is asked of the DC: the "Who am I?" extended operation
 * (RFC 4532) answers the bound identity, which AD gives as `u:DOMAIN\sAMAccountName`, and
 * that name is looked up under the domain head. Samba does not offer the operation
 * (protocolError): the name as written is looked up instead, as sAMAccountName (DOMAIN\name)
 * or userPrincipalName, then as the implicit UPN sAMAccountName@domain. A name given as a DN
 * is taken as it is.
 */
import type { Client } from 'ldapts';
import { and, eq } from './filter.ts';
import { NO_TIME_LIMIT } from './search.ts';

/** RFC 4532 section 2. */
const WHO_AM_I = '1.3.6.1.4.1.4203.1.11.3';

function looksLikeDn(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]*=/.test(name.trim());
}

/** The sAMAccountName in an authzId (`u:CORP\svc`) or a down-level name (`CORP\svc`). */
function samOf(name: string): string | undefined {
  const match = /^(?:u:)?[^\\]*\\(.+)$/.exec(name.trim());
  return match?.[1];
}

async function whoAmI(client: Client): Promise<string | undefined> {
  try {
    const result = await client.exop(WHO_AM_I);
    return result.value?.trim() || undefined;
  } catch {
    return undefined; // not offered: fall back to the name as written
  }
}

async function findDn(client: Client, baseDn: string, filter: string): Promise<string | undefined> {
  const { searchEntries } = await client.search(baseDn, { scope: 'sub', filter: and('(objectClass=user)', filter), attributes: ['distinguishedName'], sizeLimit: 2, timeLimit: NO_TIME_LIMIT });
  return searchEntries.length === 1 ? searchEntries[0]!.dn : undefined;
}

/** The bound account's DN, or undefined when it cannot be found under `baseDn`. */
export async function resolveBindAccountDn(client: Client, bindName: string, baseDn: string): Promise<string | undefined> {
  if (looksLikeDn(bindName)) return bindName;
  const identity = await whoAmI(client);
  if (identity?.startsWith('dn:')) return identity.slice(3);
  const sam = samOf(identity ?? '') ?? samOf(bindName);
  if (sam) return findDn(client, baseDn, eq('sAMAccountName', sam));
  if (bindName.includes('@')) {
    // An explicit UPN, or the implicit one (sAMAccountName@dnsDomain) AD also accepts.
    return (await findDn(client, baseDn, eq('userPrincipalName', bindName))) ?? findDn(client, baseDn, eq('sAMAccountName', bindName.split('@')[0]!));
  }
  return findDn(client, baseDn, eq('sAMAccountName', bindName));
}
