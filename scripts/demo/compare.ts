/**
 * `npm run demo -- --once`'s check: the cloud directory, read through the Graph API, holds
 * exactly the users, groups and memberships of the synced AD scope.
 */
import { normalizeDn, type AdObject } from './ad-read.ts';
import type { DemoGraph, Json } from './graph.ts';

export interface Comparison {
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  readonly differences: string[];
  /** Cloud id of each synced user, by normalised DN. */
  readonly userIds: Map<string, string>;
}

const MAX_LISTED = 20;

export async function compareWithAd(graph: DemoGraph, ad: readonly AdObject[]): Promise<Comparison> {
  const differences: string[] = [];
  const adUsers = new Map(ad.filter((o) => o.kind === 'user').map((o) => [normalizeDn(o.dn), o]));
  const adGroups = new Map(ad.filter((o) => o.kind === 'group').map((o) => [o.sid, o]));
  const dnOfCloudId = new Map<string, string>();

  const cloudUsers = new Set<string>();
  const userIds = new Map<string, string>();
  for await (const user of graph.all('/v1.0/users?$top=999&$select=id,onPremisesDistinguishedName,onPremisesSyncEnabled')) {
    if (!user.onPremisesSyncEnabled) continue;
    const dn = normalizeDn(String(user.onPremisesDistinguishedName));
    cloudUsers.add(dn);
    dnOfCloudId.set(String(user.id), dn);
    userIds.set(dn, String(user.id));
    if (!adUsers.has(dn)) differences.push(`user in the cloud but not in AD's scope: ${String(user.onPremisesDistinguishedName)}`);
  }
  for (const [dn, user] of adUsers) if (!cloudUsers.has(dn)) differences.push(`user in AD but not in the cloud: ${user.dn}`);

  const cloudGroups: Json[] = [];
  for await (const group of graph.all('/v1.0/groups?$top=999&$select=id,displayName,onPremisesSecurityIdentifier,onPremisesSyncEnabled')) {
    if (!group.onPremisesSyncEnabled) continue;
    cloudGroups.push(group);
    const adGroup = adGroups.get(String(group.onPremisesSecurityIdentifier));
    if (adGroup) dnOfCloudId.set(String(group.id), normalizeDn(adGroup.dn));
    else differences.push(`group in the cloud but not in AD's scope: ${String(group.displayName)} (${String(group.onPremisesSecurityIdentifier)})`);
  }
  const cloudSids = new Set(cloudGroups.map((g) => String(g.onPremisesSecurityIdentifier)));
  for (const [sid, group] of adGroups) if (!cloudSids.has(sid)) differences.push(`group in AD but not in the cloud: ${group.dn}`);

  let memberships = 0;
  for (const group of cloudGroups) {
    const adGroup = adGroups.get(String(group.onPremisesSecurityIdentifier));
    if (!adGroup) continue;
    const cloudMembers = new Set<string>();
    for await (const member of graph.all(`/v1.0/groups/${String(group.id)}/members?$top=999&$select=id`)) {
      cloudMembers.add(dnOfCloudId.get(String(member.id)) ?? `cloud object ${String(member.id)}`);
    }
    memberships += cloudMembers.size;
    const want = new Set(adGroup.members);
    const missing = [...want].filter((dn) => !cloudMembers.has(dn));
    const extra = [...cloudMembers].filter((dn) => !want.has(dn));
    if (missing.length > 0) differences.push(`group ${adGroup.dn}: ${missing.length} AD members missing in the cloud, e.g. ${missing[0]}`);
    if (extra.length > 0) differences.push(`group ${adGroup.dn}: ${extra.length} cloud members not in AD, e.g. ${extra[0]}`);
  }
  if (differences.length > MAX_LISTED) differences.splice(MAX_LISTED, differences.length, `… and ${differences.length - MAX_LISTED} more differences`);
  return { users: cloudUsers.size, groups: cloudGroups.length, memberships, differences, userIds };
}
