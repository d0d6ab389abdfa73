/**
 * Run as a child process with NODE_EXTRA_CA_CERTS set to the test CA: gets tokens from the
 * service with Microsoft's own libraries, the way an admin's script would, and calls Graph
 * with them. Prints one JSON line of what it saw.
 *   CANOPY_API_URL, CANOPY_TENANT (id or verified domain), CANOPY_CLIENT_ID, CANOPY_CLIENT_SECRET
 */
import { ClientSecretCredential } from '@azure/identity';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { requiredEnv } from '../../support/graph-sdk-client.ts';

const apiUrl = requiredEnv('CANOPY_API_URL');
const tenant = requiredEnv('CANOPY_TENANT');
const clientId = requiredEnv('CANOPY_CLIENT_ID');
const clientSecret = requiredEnv('CANOPY_CLIENT_SECRET');
const scope = 'https://graph.microsoft.com/.default';

async function organization(token: string): Promise<{ status: number; id?: string }> {
  const response = await fetch(`${apiUrl}/beta/organization`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { value?: { id: string }[] };
  return { status: response.status, id: body.value?.[0]?.id };
}

// Azure.Identity: authorityHost is the service; instance discovery (a call to
// login.microsoftonline.com) is off, as for any authority MSAL does not know.
const credential = new ClientSecretCredential(tenant, clientId, clientSecret, { authorityHost: apiUrl, disableInstanceDiscovery: true });
const identityToken = await credential.getToken(scope);

// msal-node itself: the tenant's authority under the service, trusted as a known authority.
const msal = new ConfidentialClientApplication({
  auth: { clientId, clientSecret, authority: `${apiUrl}/${tenant}`, knownAuthorities: [new URL(apiUrl).host] },
});
const msalResult = await msal.acquireTokenByClientCredential({ scopes: [scope] });

let wrongSecret: string | undefined;
try {
  await new ClientSecretCredential(tenant, clientId, `${clientSecret}x`, { authorityHost: apiUrl, disableInstanceDiscovery: true }).getToken(scope);
} catch (error) {
  wrongSecret = (error as Error).message;
}

process.stdout.write(`${JSON.stringify({
  identity: { expiresOnTimestamp: identityToken.expiresOnTimestamp, organization: await organization(identityToken.token) },
  msal: { tokenType: msalResult?.tokenType, tenantId: msalResult?.tenantId, organization: await organization(msalResult!.accessToken) },
  wrongSecret,
})}\n`);
