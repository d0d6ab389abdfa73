/**
 * Run as a child process with NODE_EXTRA_CA_CERTS set to the test CA: provision on demand
 * driven by @microsoft/microsoft-graph-client as an admin script would. Enables the domain
 * (Domain secret, two AD2AADProvisioning jobs), provisions CANOPY_USER_DN and
 * CANOPY_GROUP_DN on the first job, asks again for the user, names an unknown DN, and fires
 * six requests at once at the second job (Graph's limit is five per ten seconds); on a third
 * job, CANOPY_LINK_GROUP_DN with two of its members (Graph's links.members), and with a user
 * that is not its member. Prints what it saw as JSON.
 */
import { RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { graphSdkClient, requiredEnv } from '../../support/graph-sdk-client.ts';

const { client } = graphSdkClient();
const env = requiredEnv;

const principals = (await client.api('/servicePrincipals').filter("startswith(displayName,'Active Directory to Azure Active Directory Provisioning')").get()) as { value: { id: string }[] };
const spId = principals.value[0]!.id;
const base = `/servicePrincipals/${spId}/synchronization`;
await client.api(`${base}/secrets`).put({ value: [{ key: 'Domain', value: JSON.stringify({ domain: env('CANOPY_DOMAIN') }) }] });
const job = (await client.api(`${base}/jobs`).post({ templateId: 'AD2AADProvisioning' })) as { id: string };
const other = (await client.api(`${base}/jobs`).post({ templateId: 'AD2AADProvisioning' })) as { id: string };
const schema = (await client.api(`${base}/jobs/${job.id}/schema`).get()) as { synchronizationRules: { id: string }[] };
const ruleId = schema.synchronizationRules[0]!.id;

// No retries: a 429 must reach this script, not be retried away by the SDK's RetryHandler.
const noRetry = [new RetryHandlerOptions(0, 0, () => false)];
const onDemand = (jobId: string, objectId: string, objectTypeName: string) =>
  client.api(`${base}/jobs/${jobId}/provisionOnDemand`).middlewareOptions(noRetry)
    .post({ parameters: [{ ruleId, subjects: [{ objectId, objectTypeName }] }] }) as Promise<{ key: string; value: string }>;
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return { statusCode: 200 };
  } catch (error) {
    const e = error as { statusCode: number; code: string; message: string; headers?: Headers };
    return { statusCode: e.statusCode, code: e.code, message: e.message, retryAfter: e.headers?.get('retry-after') ?? null };
  }
};

const created = await onDemand(job.id, env('CANOPY_USER_DN'), 'user');
const again = await onDemand(job.id, env('CANOPY_USER_DN'), 'user');
const group = await onDemand(job.id, env('CANOPY_GROUP_DN'), 'group');
const unknown = await failure(onDemand(job.id, `CN=Nobody Here,${env('CANOPY_ROOT_DN')}`, 'user'));
const users = (await client.api('/users').filter(`onPremisesSamAccountName eq '${env('CANOPY_USER_SAM')}'`).select('id,userPrincipalName,mail,onPremisesSyncEnabled').get()) as { value: unknown[] };

const burst = await Promise.all(Array.from({ length: 6 }, () => failure(onDemand(other.id, `CN=Nobody Here,${env('CANOPY_ROOT_DN')}`, 'user'))));

const third = (await client.api(`${base}/jobs`).post({ templateId: 'AD2AADProvisioning' })) as { id: string };
const withMembers = (members: string[]) => client.api(`${base}/jobs/${third.id}/provisionOnDemand`).middlewareOptions(noRetry).post({
  parameters: [{ ruleId, subjects: [{ objectId: env('CANOPY_LINK_GROUP_DN'), objectTypeName: 'Group', links: { members: members.map((objectId) => ({ objectId, objectTypeName: 'User' })) } }] }],
}) as Promise<{ key: string; value: string }>;
const linked = await withMembers(JSON.parse(env('CANOPY_LINK_MEMBERS')) as string[]);
const notMember = await failure(withMembers([env('CANOPY_USER_DN')]));

console.log(JSON.stringify({ jobId: job.id, created, again, group, unknown, users: users.value, burst, linked, notMember }));
