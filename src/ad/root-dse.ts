/**
 * What the reader learns from the DC before reading: the rootDSE (RFC 4512 section 5.1,
 * MS-ADTS 3.1.1.3.2) and the invocationId of the DC's NTDS Settings object, which
 * identifies its USN space (MS-ADTS 3.1.1.1.9): uSNChanged values from two DCs, or from
 * one DC restored from backup, are not comparable.
 */
import type { Client } from 'ldapts';
import { CanopyError } from '../core/errors.ts';
import { guidFromBytes } from './decode.ts';
import { dnEquals, isDnUnder } from './dn.ts';
import { toCanopyError } from './ldap-errors.ts';

export interface DcInfo {
  readonly url: string;
  readonly namingContexts: readonly string[];
  readonly defaultNamingContext?: string;
  readonly dnsHostName?: string;
  readonly highestCommittedUSN?: string;
  readonly invocationId?: string;
  readonly supportedControls: readonly string[];
}

function strings(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

/** Reads the rootDSE; highestCommittedUSN is read fresh each call. */
export async function readRootDse(client: Client, url: string): Promise<Omit<DcInfo, 'invocationId'> & { dsServiceName?: string }> {
  let entry;
  try {
    const result = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['namingContexts', 'defaultNamingContext', 'dnsHostName', 'highestCommittedUSN', 'dsServiceName', 'supportedControl'],
    });
    entry = result.searchEntries[0];
  } catch (error) {
    throw toCanopyError(error, `reading the rootDSE of ${url}`);
  }
  if (!entry) throw new CanopyError('ERR_AD_PROTOCOL', `${url} returned no rootDSE`);
  return {
    url,
    namingContexts: strings(entry.namingContexts),
    defaultNamingContext: strings(entry.defaultNamingContext)[0],
    dnsHostName: strings(entry.dnsHostName)[0],
    highestCommittedUSN: strings(entry.highestCommittedUSN)[0],
    dsServiceName: strings(entry.dsServiceName)[0],
    supportedControls: strings(entry.supportedControl),
  };
}

export async function readInvocationId(client: Client, dsServiceName: string | undefined): Promise<string | undefined> {
  if (!dsServiceName) return undefined;
  try {
    const result = await client.search(dsServiceName, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['invocationId'],
      explicitBufferAttributes: ['invocationId', 'invocationID'],
    });
    const value = result.searchEntries[0]?.invocationId ?? result.searchEntries[0]?.invocationID;
    const bytes = Array.isArray(value) ? value[0] : value;
    return Buffer.isBuffer(bytes) && bytes.length === 16 ? guidFromBytes(bytes) : undefined;
  } catch (error) {
    throw toCanopyError(error, `reading the invocationId of ${dsServiceName}`);
  }
}

export async function readDcInfo(client: Client, url: string): Promise<DcInfo> {
  const root = await readRootDse(client, url);
  const invocationId = await readInvocationId(client, root.dsServiceName);
  return { ...root, invocationId };
}

/**
 * The base DN must be a naming context this DC holds (the domain head), and every
 * scoping DN must lie under it; otherwise searches would return referrals to another
 * domain's DCs, which the reader never chases.
 */
export function checkBaseDn(info: DcInfo, baseDn: string, scopeDns: readonly string[]): void {
  if (!info.namingContexts.some((nc) => dnEquals(nc, baseDn))) {
    const held = info.namingContexts.join('; ') || 'none';
    throw new CanopyError('ERR_AD_BASE_DN_OUTSIDE_DOMAIN', `base DN ${baseDn} is not a naming context of ${info.url} (it holds: ${held})`);
  }
  for (const scope of scopeDns) {
    if (!isDnUnder(scope, baseDn)) {
      throw new CanopyError('ERR_AD_BASE_DN_OUTSIDE_DOMAIN', `scoping DN ${scope} is outside the domain ${baseDn}`);
    }
  }
}
