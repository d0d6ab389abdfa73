/**
 * What the sample AD holds, read straight from it with ldapts (not through Canopy): the users
 * and groups in the synced scope and the memberships between them. The demo uses it for the
 * progress bar's total and for `--once`'s check that the directory matches AD.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'ldapts';
import { normalizeDn } from '../../src/core/dn.ts';
import type { DemoAd } from './target.ts';

/** The objects cloud sync takes from AD: users (not computers) and groups, never critical system objects. */
const SYNCED = '(&(|(&(objectCategory=person)(objectClass=user))(objectClass=group))(!(isCriticalSystemObject=TRUE)))';

export interface AdObject {
  readonly dn: string;
  readonly kind: 'user' | 'group';
  /** Member DNs (normalised) of groups. */
  readonly members: readonly string[];
  readonly givenName: string | undefined;
  /** objectSid as S-1-5-…, how the cloud names a group's origin (onPremisesSecurityIdentifier). */
  readonly sid: string;
}

export { normalizeDn };

async function connect(ad: DemoAd, bindDn: string, password: string): Promise<Client> {
  const client = new Client({ url: ad.url, tlsOptions: ad.caFile ? { ca: readFileSync(ad.caFile) } : {}, timeout: 60_000 });
  await client.bind(bindDn, password);
  return client;
}

/** MS-DTYP 2.4.2.2: revision, sub-authority count, 48-bit big-endian authority, 32-bit LE sub-authorities. */
function sidToString(sid: Buffer): string {
  const count = sid[1]!;
  const subs = Array.from({ length: count }, (_, i) => `-${sid.readUInt32LE(8 + 4 * i)}`);
  return `S-${sid[0]}-${sid.readUIntBE(2, 6)}${subs.join('')}`;
}

/**
 * The whole member list of a group whose first answer came ranged (`member;range=0-1499`, as
 * Windows DCs answer past MaxValRange; MS-ADTS 3.1.1.3.1.3.3): ask for the next range until the
 * DC marks the last one with `*`.
 */
async function rangedMembers(client: Client, dn: string, key: string, first: string[]): Promise<string[]> {
  const values = [...first];
  let range = /;range=(\d+)-(\d+|\*)$/i.exec(key);
  while (range && range[2] !== '*') {
    const next = Number(range[2]) + 1;
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: [`member;range=${next}-*`] });
    const entry = searchEntries[0] ?? { dn };
    const rangedKey = Object.keys(entry).find((k) => /^member;range=/i.test(k));
    if (!rangedKey) break;
    values.push(...[entry[rangedKey]].flat().map(String));
    range = /;range=(\d+)-(\d+|\*)$/i.exec(rangedKey);
  }
  return values;
}

/** Every synced object in scope, with whole member lists. */
export async function readScope(ad: DemoAd): Promise<AdObject[]> {
  const client = await connect(ad, ad.bindDn, ad.password);
  try {
    const { searchEntries } = await client.search(ad.scope ?? ad.baseDn, {
      scope: 'sub',
      filter: SYNCED,
      attributes: ['objectClass', 'member', 'givenName', 'objectSid'],
      explicitBufferAttributes: ['objectSid'],
      paged: { pageSize: 1000 },
    });
    const objects: AdObject[] = [];
    for (const entry of searchEntries) {
      const classes = [entry.objectClass].flat().map((c) => String(c).toLowerCase());
      const rangedKey = Object.keys(entry).find((k) => /^member;range=/i.test(k));
      let members = entry.member === undefined ? [] : [entry.member].flat().map(String);
      if (rangedKey) members = await rangedMembers(client, entry.dn, rangedKey, [entry[rangedKey]].flat().map(String));
      objects.push({
        dn: entry.dn,
        kind: classes.includes('group') ? 'group' : 'user',
        members: members.map(normalizeDn),
        givenName: entry.givenName ? String([entry.givenName].flat()[0]) : undefined,
        sid: sidToString([entry.objectSid].flat()[0] as Buffer),
      });
    }
    const inScope = new Set(objects.map((o) => normalizeDn(o.dn)));
    return objects.map((o) => ({ ...o, members: o.members.filter((m) => inScope.has(m)) }));
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
