/**
 * Microsoft's "How to programmatically configure cloud sync using MS Graph API" (entra-docs,
 * identity/hybrid/cloud-sync/how-to-inbound-synch-ms-graph), request by request, with only the
 * host changed. Run as a child process with NODE_EXTRA_CA_CERTS set to the test CA.
 * Tokens come from @azure/identity's ClientSecretCredential. WALKTHROUGH_MODE=raw sends the
 * doc's HTTP requests with fetch; WALKTHROUGH_MODE=sdk sends them through the Graph JS SDK
 * (authenticated by the same credential). WALKTHROUGH_VERSION is beta or v1.0.
 * Prints one JSON line: each step's status and what the checks need.
 */
import { ClientSecretCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { requiredEnv } from '../../support/graph-sdk-client.ts';

const apiUrl = requiredEnv('CANOPY_API_URL');
const version = requiredEnv('WALKTHROUGH_VERSION');
const mode = requiredEnv('WALKTHROUGH_MODE');
const domain = requiredEnv('WALKTHROUGH_DOMAIN');
const scope = 'https://graph.microsoft.com/.default';
const credential = new ClientSecretCredential(requiredEnv('CANOPY_TENANT_ID'), requiredEnv('CANOPY_CLIENT_ID'), requiredEnv('CANOPY_CLIENT_SECRET'), {
  authorityHost: apiUrl,
  disableInstanceDiscovery: true,
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Answer { status: number; body: Json | undefined }

/** One request as the doc writes it: method, path under https://graph.microsoft.com/{version}, body. */
type Send = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown) => Promise<Answer>;

const raw: Send = async (method, path, body) => {
  const { token } = await credential.getToken(scope);
  const response = await fetch(`${apiUrl}/${version}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : undefined };
};

const client = Client.initWithMiddleware({
  baseUrl: apiUrl,
  defaultVersion: version,
  customHosts: new Set([new URL(apiUrl).hostname]),
  authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [scope] }),
});

const sdk: Send = async (method, path, body) => {
  // The SDK answers the parsed body (undefined for 204) and throws GraphError otherwise.
  try {
    const request = client.api(path).version(version);
    const result = (await (method === 'GET' ? request.get() : method === 'POST' ? request.post(body ?? {}) : method === 'PUT' ? request.put(body) : request.patch(body))) as Json | undefined;
    const status = result === undefined || result === null ? 204 : method === 'POST' ? 201 : 200;
    return { status, body: result ?? undefined };
  } catch (error) {
    return { status: (error as { statusCode: number }).statusCode, body: { error: { code: (error as { code: string }).code } } };
  }
};

const send = mode === 'sdk' ? sdk : raw;
const steps: Record<string, number> = {};
async function step(name: string, method: Parameters<Send>[0], path: string, body?: unknown): Promise<Json | undefined> {
  const answer = await send(method, path, body);
  steps[name] = answer.status;
  return answer.body;
}

// Basic setup: enable tenant flags (Get-MgOrganization, then Update-MgBetaOrganization).
const organizationId = (await step('getOrganization', 'GET', '/organization'))!.value[0].id as string;
await step('enableTenantFlag', 'PATCH', `/organization/${organizationId}`, { onPremisesSyncEnabled: true });
const flag = (await step('getOrganizationAgain', 'GET', '/organization'))!.value[0].onPremisesSyncEnabled as boolean;

// Create service principals.
const instantiated = (await step('instantiate', 'POST', '/applicationTemplates/1a4721b3-e57f-4451-ae87-ef078703ec94/instantiate', { displayName: domain }))!;
const spId = instantiated.servicePrincipal.id as string;
const listed = (await step('listServicePrincipals', 'GET', '/servicePrincipals'))!.value as { id: string; displayName: string }[];
const foundByName = listed.find((sp) => sp.displayName === domain)?.id;

// Create sync jobs.
const provisioning = (await step('createProvisioningJob', 'POST', `/servicePrincipals/${spId}/synchronization/jobs`, { templateId: 'AD2AADProvisioning' }))!;
const passwordHash = (await step('createPasswordHashJob', 'POST', `/servicePrincipals/${spId}/synchronization/jobs`, { templateId: 'AD2AADPasswordHash' }))!;

// Update targeted domain (and the AppKey that enables password hash sync).
const domainSecret = { key: 'Domain', value: JSON.stringify({ domain }) };
const appKey = { key: 'AppKey', value: JSON.stringify({ appKeyScenario: 'AD2AADPasswordHash' }) };
await step('putDomainSecret', 'PUT', `/servicePrincipals/${spId}/synchronization/secrets`, { value: [domainSecret, appKey] });

// Enable sync password hashes: CredentialData into both user object mappings.
const schema = (await step('getSchema', 'GET', `/servicePrincipals/${spId}/synchronization/jobs/${provisioning.id}/schema`))!;
const credentialData = {
  defaultValue: null, exportMissingReferences: false, flowBehavior: 'FlowWhenChanged', flowType: 'Always', matchingPriority: 0,
  targetAttributeName: 'CredentialData',
  source: { expression: '[PasswordHash]', name: 'PasswordHash', type: 'Attribute', parameters: [] },
};
let edited = 0;
for (const mapping of schema.synchronizationRules[0].objectMappings as Json[]) {
  if (['provision active directory users', 'provision active directory inetorgpersons'].includes(String(mapping.name).toLowerCase())) {
    mapping.attributeMappings.push(credentialData);
    edited += 1;
  }
}
await step('putSchema', 'PUT', `/servicePrincipals/${spId}/synchronization/jobs/${provisioning.id}/schema`, schema);
const saved = (await step('getSchemaAgain', 'GET', `/servicePrincipals/${spId}/synchronization/jobs/${provisioning.id}/schema`))!;
const credentialMappings = (saved.synchronizationRules[0].objectMappings as Json[])
  .filter((m) => (m.attributeMappings as Json[]).some((a) => a.targetAttributeName === 'CredentialData')).map((m) => m.name as string);

// Accidental deletes: SyncNotificationSettings, all secrets in one PUT, then read them back.
const notification = { key: 'SyncNotificationSettings', value: JSON.stringify({ Enabled: true, Recipients: 'foobar@xyz.com', DeleteThresholdEnabled: true, DeleteThresholdValue: 50 }) };
await step('putNotificationSecret', 'PUT', `/servicePrincipals/${spId}/synchronization/secrets`, { value: [domainSecret, appKey, notification] });
const secrets = (await step('getSecrets', 'GET', `/servicePrincipals/${spId}/synchronization/secrets`))!.value as { key: string; value: string }[];
await step('restartForceDeletes', 'POST', `/servicePrincipals/${spId}/synchronization/jobs/${provisioning.id}/restart`, { criteria: { resetScope: 'ForceDeletes' } });

// Start sync job (listing with the doc's trailing slash), restart Full, review status.
const jobsBeforeStart = (await step('listJobsTrailingSlash', 'GET', `/servicePrincipals/${spId}/synchronization/jobs/`))!.value as Json[];
await step('start', 'POST', `/servicePrincipals/${spId}/synchronization/jobs/${provisioning.id}/start`);
await step('restartFull', 'POST', `/servicePrincipals/${spId}/synchronization/jobs/${provisioning.id}/restart`, { criteria: { resetScope: 'Full' } });
const review = (await step('reviewStatus', 'GET', `/servicePrincipals/${spId}/synchronization/jobs/`))!.value as Json[];

process.stdout.write(`${JSON.stringify({
  steps, organizationId, flag, spId, foundByName, application: instantiated.application, servicePrincipal: instantiated.servicePrincipal,
  jobIds: [provisioning.id, passwordHash.id], edited, credentialMappings, secrets, jobsBeforeStart: jobsBeforeStart.length,
  review: review.map((j) => ({ id: j.id, templateId: j.templateId, state: j.schedule.state, code: j.status.code, settings: j.synchronizationJobSettings })),
})}\n`);
