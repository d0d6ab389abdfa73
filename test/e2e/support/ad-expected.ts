/**
 * What the cloud must hold, read straight from AD with ldapts (not through Canopy's own
 * reader): every user and group under the given containers, with each attribute the default
 * mapping syncs turned into its Graph value by rules written out here again (Entra's cloud
 * sync mapping: UPN, displayName (else cn), sn → surname, userAccountControl bit 2 →
 * accountEnabled, source anchor = ms-DS-ConsistencyGuid else objectGUID, base64).
 * `compareCloud` then reads the cloud over Graph and lists every difference.
 */
import { Client } from 'ldapts';
import { adEnv, readCa } from '../../support/ad-env.ts';
import { normalizeDn } from '../../support/fixture.ts';
import type { GraphClient } from './graph.ts';

type Entry = Record<string, unknown> & { dn: string };

export interface ExpectedUser {
  readonly dn: string;
  readonly values: Record<string, unknown>;
  readonly managerDn: string | undefined;
}

export interface ExpectedGroup {
  readonly dn: string;
  readonly sid: string;
  readonly values: Record<string, unknown>;
  /** Member DNs, normalised, of in-scope users and groups only. */
  readonly members: readonly string[];
}

export interface Expected {
  readonly users: Map<string, ExpectedUser>;
  readonly groups: Map<string, ExpectedGroup>;
}

const strings = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);
const first = (entry: Entry, name: string): string | null => strings(entry[name])[0] ?? null;
const buffer = (value: unknown): Buffer | undefined => (Array.isArray(value) ? value[0] : value) as Buffer | undefined;

/** MS-DTYP 2.4.2.2: revision, sub-authority count, 48-bit big-endian authority, 32-bit LE sub-authorities. */
export function sidToString(sid: Buffer): string {
  const count = sid[1]!;
  const authority = sid.readUIntBE(2, 6);
  const subs = Array.from({ length: count }, (_, i) => sid.readUInt32LE(8 + 4 * i));
  return `S-${sid[0]}-${authority}${subs.map((s) => `-${s}`).join('')}`;
}

export async function adminClient(): Promise<Client> {
  const env = adEnv();
  const client = new Client({ url: env.url, tlsOptions: { ca: readCa(env) }, timeout: 60_000 });
  await client.bind(env.adminDn, env.adminPassword);
  return client;
}

const ATTRIBUTES = [
  'objectClass', 'objectGUID', 'objectSid', 'mS-DS-ConsistencyGuid', 'cn', 'displayName', 'userPrincipalName', 'givenName', 'sn', 'mail',
  'sAMAccountName', 'proxyAddresses', 'title', 'department', 'company', 'streetAddress', 'l', 'st', 'postalCode', 'c', 'telephoneNumber',
  'mobile', 'employeeID', 'manager', 'userAccountControl', 'description', 'groupType', 'member', 'isCriticalSystemObject',
];

/** Reads users (not computers) and groups under `containers` as the cloud should show them. */
export async function readExpected(ldap: Client, containers: readonly string[]): Promise<Expected> {
  const env = adEnv();
  const entries: Entry[] = [];
  for (const base of containers) {
    const { searchEntries } = await ldap.search(base, {
      scope: 'sub',
      filter: '(&(|(&(objectCategory=person)(objectClass=user))(objectClass=group))(!(isCriticalSystemObject=TRUE)))',
      attributes: ATTRIBUTES,
      explicitBufferAttributes: ['objectGUID', 'objectSid', 'mS-DS-ConsistencyGuid'],
      paged: { pageSize: 1000 },
    });
    entries.push(...(searchEntries as Entry[]));
  }
  const inScope = new Set(entries.map((e) => normalizeDn(e.dn)));
  const users = new Map<string, ExpectedUser>();
  const groups = new Map<string, ExpectedGroup>();
  for (const entry of entries) {
    const classes = strings(entry.objectClass).map((c) => c.toLowerCase());
    const anchor = (buffer(entry['mS-DS-ConsistencyGuid']) ?? buffer(entry.objectGUID))!.toString('base64');
    const sid = sidToString(buffer(entry.objectSid)!);
    const common = {
      displayName: first(entry, 'displayName') ?? first(entry, 'cn'),
      mail: first(entry, 'mail'),
      mailNickname: first(entry, 'sAMAccountName'),
      proxyAddresses: strings(entry.proxyAddresses).sort(),
      onPremisesSamAccountName: first(entry, 'sAMAccountName'),
      onPremisesSecurityIdentifier: sid,
      onPremisesDomainName: env.domain.toLowerCase(),
      onPremisesSyncEnabled: true,
    };
    const key = normalizeDn(entry.dn);
    if (classes.includes('group')) {
      groups.set(key, {
        dn: entry.dn,
        sid,
        values: {
          ...common,
          description: first(entry, 'description'),
          mailEnabled: first(entry, 'mail') !== null,
          securityEnabled: (Number(first(entry, 'groupType')) & 0x80000000) !== 0,
        },
        members: strings(entry.member).map(normalizeDn).filter((dn) => inScope.has(dn)).sort(),
      });
      continue;
    }
    const manager = first(entry, 'manager');
    users.set(key, {
      dn: entry.dn,
      managerDn: manager && inScope.has(normalizeDn(manager)) ? normalizeDn(manager) : undefined,
      values: {
        ...common,
        userPrincipalName: first(entry, 'userPrincipalName'),
        onPremisesUserPrincipalName: first(entry, 'userPrincipalName'),
        givenName: first(entry, 'givenName'),
        surname: first(entry, 'sn'),
        jobTitle: first(entry, 'title'),
        department: first(entry, 'department'),
        companyName: first(entry, 'company'),
        streetAddress: first(entry, 'streetAddress'),
        city: first(entry, 'l'),
        state: first(entry, 'st'),
        postalCode: first(entry, 'postalCode'),
        country: first(entry, 'c'),
        businessPhones: strings(entry.telephoneNumber),
        mobilePhone: first(entry, 'mobile'),
        employeeId: first(entry, 'employeeID'),
        accountEnabled: (Number(first(entry, 'userAccountControl') ?? 512) & 2) === 0,
        onPremisesImmutableId: anchor,
        onPremisesDistinguishedName: entry.dn,
      },
    });
  }
  return { users, groups };
}

export const USER_SELECT = ['id', 'userPrincipalName', 'displayName', 'givenName', 'surname', 'mail', 'mailNickname', 'proxyAddresses', 'jobTitle', 'department',
  'companyName', 'streetAddress', 'city', 'state', 'postalCode', 'country', 'businessPhones', 'mobilePhone', 'employeeId', 'accountEnabled',
  'onPremisesImmutableId', 'onPremisesSyncEnabled', 'onPremisesDistinguishedName', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier',
  'onPremisesDomainName', 'onPremisesUserPrincipalName', 'onPremisesLastSyncDateTime'];
export const GROUP_SELECT = ['id', 'displayName', 'description', 'mail', 'mailEnabled', 'mailNickname', 'securityEnabled', 'proxyAddresses',
  'onPremisesSyncEnabled', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier', 'onPremisesDomainName', 'onPremisesLastSyncDateTime'];

type Json = Record<string, unknown>;

export interface CloudState {
  /** Synced users by normalised onPremisesDistinguishedName. */
  readonly users: Map<string, Json>;
  /** Synced groups by onPremisesSecurityIdentifier. */
  readonly groups: Map<string, Json>;
  readonly cloudOnlyUsers: Json[];
  readonly userCount: number;
  readonly duplicateAnchors: string[];
}

export async function readCloud(graph: GraphClient, options: { filterUsers?: (u: Json) => boolean } = {}): Promise<CloudState> {
  const users = new Map<string, Json>();
  const cloudOnlyUsers: Json[] = [];
  const anchors = new Map<string, number>();
  let userCount = 0;
  for await (const user of graph.all(`/v1.0/users?$top=999&$select=${USER_SELECT.join(',')}`)) {
    if (options.filterUsers && !options.filterUsers(user)) continue;
    userCount++;
    if (!user.onPremisesSyncEnabled) {
      cloudOnlyUsers.push(user);
      continue;
    }
    users.set(normalizeDn(user.onPremisesDistinguishedName as string), user);
    const anchor = user.onPremisesImmutableId as string;
    anchors.set(anchor, (anchors.get(anchor) ?? 0) + 1);
  }
  const groups = new Map<string, Json>();
  for await (const group of graph.all(`/v1.0/groups?$top=999&$select=${GROUP_SELECT.join(',')}`)) {
    if (group.onPremisesSyncEnabled) groups.set(group.onPremisesSecurityIdentifier as string, group);
  }
  return { users, groups, cloudOnlyUsers, userCount, duplicateAnchors: [...anchors].filter(([, n]) => n > 1).map(([a]) => a) };
}

function same(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && JSON.stringify([...actual].map(String).sort()) === JSON.stringify(expected);
  if (typeof expected === 'string' && typeof actual === 'string' && /^(CN|OU)=/i.test(expected)) return normalizeDn(expected) === normalizeDn(actual);
  return (expected ?? null) === (actual ?? null);
}

/**
 * Every difference between AD and the cloud: missing or extra objects, each synced attribute,
 * every group's members (read through /groups/{id}/members paging), and, when asked, each
 * user's manager. An empty list means the cloud matches AD exactly.
 */
export async function compareCloud(graph: GraphClient, expected: Expected, cloud: CloudState, options: { managers?: boolean; within?: (dn: string) => boolean } = {}): Promise<string[]> {
  const diffs: string[] = [];
  const idToDn = new Map<string, string>();
  for (const [dn, user] of cloud.users) {
    idToDn.set(user.id as string, dn);
    if (options.within && !options.within(dn)) continue;
    const want = expected.users.get(dn);
    if (!want) {
      diffs.push(`extra cloud user ${user.onPremisesDistinguishedName as string}`);
      continue;
    }
    for (const [name, value] of Object.entries(want.values)) {
      const actual = name === 'onPremisesDomainName' && typeof user[name] === 'string' ? (user[name] as string).toLowerCase() : user[name];
      if (!same(value, actual)) diffs.push(`user ${want.dn}: ${name} is ${JSON.stringify(user[name])}, AD says ${JSON.stringify(value)}`);
    }
    if (!user.onPremisesLastSyncDateTime) diffs.push(`user ${want.dn}: no onPremisesLastSyncDateTime`);
  }
  for (const [dn, want] of expected.users) if (!cloud.users.has(dn)) diffs.push(`missing cloud user ${want.dn}`);
  const sidToDn = new Map([...expected.groups.values()].map((g) => [g.sid, normalizeDn(g.dn)]));
  for (const [sid, group] of cloud.groups) {
    const dn = sidToDn.get(sid);
    if (dn) idToDn.set(group.id as string, dn);
  }
  for (const [sid, group] of cloud.groups) {
    const dn = sidToDn.get(sid);
    if (!dn) {
      diffs.push(`extra cloud group ${group.displayName as string} (${sid})`);
      continue;
    }
    const want = expected.groups.get(dn)!;
    for (const [name, value] of Object.entries(want.values)) {
      const actual = name === 'onPremisesDomainName' && typeof group[name] === 'string' ? (group[name] as string).toLowerCase() : group[name];
      if (!same(value, actual)) diffs.push(`group ${want.dn}: ${name} is ${JSON.stringify(group[name])}, AD says ${JSON.stringify(value)}`);
    }
    const members: string[] = [];
    for await (const member of graph.all(`/v1.0/groups/${group.id as string}/members?$select=id&$top=999`)) {
      members.push(idToDn.get(member.id as string) ?? `unknown cloud object ${member.id as string}`);
    }
    members.sort();
    if (JSON.stringify(members) !== JSON.stringify(want.members)) {
      const missing = want.members.filter((m) => !members.includes(m));
      const extra = members.filter((m) => !want.members.includes(m));
      diffs.push(`group ${want.dn}: members differ (${members.length} in the cloud, ${want.members.length} in AD; missing ${missing.slice(0, 3).join(' | ')}; extra ${extra.slice(0, 3).join(' | ')})`);
    }
  }
  for (const [dn, want] of expected.groups) if (!cloud.groups.has(want.sid)) diffs.push(`missing cloud group ${dn}`);
  if (options.managers) {
    for (const [dn, user] of cloud.users) {
      const want = expected.users.get(dn);
      if (!want) continue;
      const answer = await graph.call('GET', `/v1.0/users/${user.id as string}/manager?$select=id`);
      const actual = answer.status === 200 ? idToDn.get((answer.body as Json).id as string) : undefined;
      if (actual !== want.managerDn) diffs.push(`user ${want.dn}: manager is ${actual ?? `none (${answer.status})`}, AD says ${want.managerDn ?? 'none'}`);
    }
  }
  return diffs;
}
