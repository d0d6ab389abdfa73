/**
 * Run as a child process with NODE_EXTRA_CA_CERTS pointing at the test CA (Node 20's fetch
 * takes no CA in process): drives `canopy serve` over HTTPS with Microsoft's Graph SDK.
 *   enable: finds the cloud sync service principal, creates the job, PUTs the Domain secret,
 *           scopes the job to CANOPY_CONTAINERS through its schema, starts it.
 *   read:   pages through every user with PageIterator and through the members of
 *           CANOPY_GROUP_ID, and counts them with $count.
 * Prints one JSON line with what it saw.
 */
import { PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { graphSdkClient, requiredEnv } from '../../support/graph-sdk-client.ts';

const { client, nextLinkRequests } = graphSdkClient();
const env = requiredEnv;

async function enable(): Promise<Record<string, unknown>> {
  const principals = (await client.api('/servicePrincipals').filter("startswith(displayName,'Active Directory to Azure Active Directory Provisioning')").get()) as { value: { id: string }[] };
  const spId = principals.value[0]!.id;
  const base = `/servicePrincipals/${spId}/synchronization`;
  const job = (await client.api(`${base}/jobs`).post({ templateId: 'AD2AADProvisioning' })) as { id: string };
  await client.api(`${base}/secrets`).put({ value: [{ key: 'Domain', value: JSON.stringify({ domain: env('CANOPY_DOMAIN') }) }] });
  const schema = (await client.api(`${base}/jobs/${job.id}/schema`).get()) as { synchronizationRules: { containerFilter?: unknown }[] };
  schema.synchronizationRules[0]!.containerFilter = { includedContainers: JSON.parse(env('CANOPY_CONTAINERS')) as string[] };
  await client.api(`${base}/jobs/${job.id}/schema`).put(schema);
  const startedAt = new Date().toISOString();
  await client.api(`${base}/jobs/${job.id}/start`).post(undefined);
  const started = (await client.api(`${base}/jobs/${job.id}`).get()) as { schedule: { state: string; interval: string }; status: { code: string } };
  return { spId, jobId: job.id, startedAt, schedule: started.schedule, code: started.status.code };
}

async function read(): Promise<Record<string, unknown>> {
  const users: { id: string; userPrincipalName: string; onPremisesImmutableId: string | null }[] = [];
  const first = (await client.api('/users').select('id,userPrincipalName,onPremisesImmutableId').top(500).get()) as PageCollection;
  await new PageIterator(client, first, (user: (typeof users)[number]) => {
    users.push(user);
    return true;
  }).iterate();
  const userPages = nextLinkRequests.length + 1;
  const groupId = env('CANOPY_GROUP_ID');
  const members: string[] = [];
  const firstMembers = (await client.api(`/groups/${groupId}/members`).header('ConsistencyLevel', 'eventual').count(true).select('id').top(999).get()) as PageCollection & { '@odata.count': number };
  // The nextLink keeps $count=true: later pages need the header too (Graph's advanced queries).
  await new PageIterator(client, firstMembers, (member: { id: string }) => {
    members.push(member.id);
    return true;
  }, { headers: { ConsistencyLevel: 'eventual' } }).iterate();
  return { users: users.length, distinctUsers: new Set(users.map((u) => u.id)).size, anchored: users.filter((u) => u.onPremisesImmutableId).length, userPages, members: members.length, distinctMembers: new Set(members).size, memberCount: firstMembers['@odata.count'], memberPages: nextLinkRequests.length - userPages + 2 };
}

const mode = process.argv[2];
const result = mode === 'enable' ? await enable() : await read();
console.log(JSON.stringify(result));
