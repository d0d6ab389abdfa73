/**
 * Run as a child process with NODE_EXTRA_CA_CERTS pointing at the test CA (Node 20's fetch
 * cannot be given a CA in process): drives the API with @microsoft/microsoft-graph-client
 * the way an admin script does and prints what it saw as JSON.
 */
import { PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { graphSdkClient, requiredEnv } from '../../support/graph-sdk-client.ts';

const { client, nextLinkRequests: skipTokenRequests, tokenRequests } = graphSdkClient();
const env = requiredEnv;

const firstPage = (await client.api('/users').top(5).get()) as PageCollection;
const ids: string[] = [];
const iterator = new PageIterator(client, firstPage, (user: { id: string }) => {
  ids.push(user.id);
  return true;
});
// PageIterator follows @odata.nextLink itself.
await iterator.iterate();
const counted = (await client.api('/users').header('ConsistencyLevel', 'eventual').count(true).top(1).get()) as { '@odata.count': number };
const filtered = (await client.api('/users').filter("startswith(displayName,'User 001')").select('id,displayName,onPremisesImmutableId').get()) as { value: { displayName: string; onPremisesImmutableId: string }[] };
const members = (await client.api(`/groups/${env('CANOPY_GROUP_ID')}/members`).top(999).get()) as { value: { '@odata.type': string }[] };
const byUpn = (await client.api('/users/user0042@corp.test').get()) as { id: string };
let patchError: { statusCode?: number; code?: string; message?: string } = {};
try {
  await client.api(`/users/${byUpn.id}`).patch({ displayName: 'edited in the cloud' });
} catch (error) {
  patchError = { statusCode: (error as { statusCode: number }).statusCode, code: (error as { code: string }).code, message: (error as Error).message };
}

// Enable a domain the way Entra's cloud sync docs do it through Graph.
const principals = (await client.api('/servicePrincipals').filter("startswith(displayName,'Active Directory to Azure Active Directory Provisioning')").get()) as { value: { id: string }[] };
const spId = principals.value[0]!.id;
const job = (await client.api(`/servicePrincipals/${spId}/synchronization/jobs`).post({ templateId: 'AD2AADProvisioning' })) as { id: string };
await client.api(`/servicePrincipals/${spId}/synchronization/secrets`).put({ value: [{ key: 'Domain', value: JSON.stringify({ domain: 'corp.test' }) }] });
await client.api(`/servicePrincipals/${spId}/synchronization/jobs/${job.id}/start`).post(undefined);
const startedJob = (await client.api(`/servicePrincipals/${spId}/synchronization/jobs/${job.id}`).get()) as { schedule: { state: string; interval: string }; status: { code: string } };

console.log(JSON.stringify({
  job: { id: job.id, servicePrincipalId: spId, schedule: startedJob.schedule, code: startedJob.status.code },
  firstPageSize: (firstPage.value ?? []).length,
  firstNextLink: firstPage['@odata.nextLink'],
  ids,
  skipTokenRequests,
  count: counted['@odata.count'],
  filtered: filtered.value,
  memberTypes: members.value.map((m) => m['@odata.type']),
  byUpn: byUpn.id,
  patchError,
  tokenRequests: tokenRequests(),
}));
